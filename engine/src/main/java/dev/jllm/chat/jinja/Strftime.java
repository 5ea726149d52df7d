package dev.jllm.chat.jinja;

import java.time.DayOfWeek;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} of a naive local time in the C locale (English names), for the
 * {@code strftime_now(fmt)} global. Covers the C89 directives plus the glibc ones Python passes
 * through ({@code %e}, {@code %-d}, ...). {@code %Z} and {@code %z} are empty for a naive time.
 */
final class Strftime {
    private Strftime() {}

    static String format(String fmt, LocalDateTime t) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            boolean noPad = false;
            if (d == '-' && i + 1 < fmt.length()) { // glibc: %-d drops the padding
                noPad = true;
                d = fmt.charAt(++i);
            }
            String s = directive(d, t);
            if (s == null) {
                sb.append('%').append(noPad ? "-" : "").append(d); // unknown: kept, as glibc does
            } else {
                sb.append(noPad ? s.replaceFirst("^[0 ]+(?=.)", "") : s);
            }
        }
        return sb.toString();
    }

    private static String two(int v) {
        return v < 10 ? "0" + v : Integer.toString(v);
    }

    private static String directive(char d, LocalDateTime t) {
        return switch (d) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US);
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.US);
            case 'c' -> directive('a', t) + " " + directive('b', t) + " " + directive('e', t) + " "
                    + directive('T', t) + " " + t.getYear();
            case 'C' -> two(t.getYear() / 100);
            case 'd' -> two(t.getDayOfMonth());
            case 'D', 'x' -> directive('m', t) + "/" + directive('d', t) + "/" + directive('y', t);
            case 'e' -> (t.getDayOfMonth() < 10 ? " " : "") + t.getDayOfMonth();
            case 'F' -> t.getYear() + "-" + directive('m', t) + "-" + directive('d', t);
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'H' -> two(t.getHour());
            case 'I' -> two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
            case 'j' -> String.format("%03d", t.getDayOfYear());
            case 'm' -> two(t.getMonthValue());
            case 'M' -> two(t.getMinute());
            case 'n' -> "\n";
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'R' -> directive('H', t) + ":" + directive('M', t);
            case 'S' -> two(t.getSecond());
            case 't' -> "\t";
            case 'T', 'X' -> directive('H', t) + ":" + directive('M', t) + ":" + directive('S', t);
            case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
            case 'U' -> two(weekOfYear(t, DayOfWeek.SUNDAY));
            case 'V' -> two(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'W' -> two(weekOfYear(t, DayOfWeek.MONDAY));
            case 'y' -> two(t.getYear() % 100);
            case 'Y' -> Integer.toString(t.getYear());
            case 'z', 'Z' -> "";
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case '%' -> "%";
            default -> null;
        };
    }

    /** Week number where weeks start on {@code first}; days before the first such day are week 0. */
    private static int weekOfYear(LocalDateTime t, DayOfWeek first) {
        LocalDateTime jan1 = t.withDayOfYear(1);
        int offset = (first.getValue() - jan1.getDayOfWeek().getValue() + 7) % 7; // days to first `first`
        long day = ChronoUnit.DAYS.between(jan1.toLocalDate(), t.toLocalDate());
        return day < offset ? 0 : (int) ((day - offset) / 7) + 1;
    }
}
