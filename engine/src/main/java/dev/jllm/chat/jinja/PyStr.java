package dev.jllm.chat.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Python {@code str} semantics on Java strings. Python indexes strings by code point while Java
 * uses UTF-16 units, so every length, index and slice here counts code points (an emoji is one
 * character, not two). Whitespace is Python's {@code str.isspace()}, which is wider than
 * {@link String#trim()} and {@link Character#isWhitespace}.
 */
final class PyStr {
    private PyStr() {}

    /** Python's {@code str.isspace()} for one code point (CPython's _PyUnicode_IsWhitespace). */
    static boolean isSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0
                || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029
                || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    static boolean isLineBreak(int cp) {
        return cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || (cp >= 0x1C && cp <= 0x1E)
                || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
    }

    // ---- code point indexing -----------------------------------------------------------------

    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Each code point as a one-character string: what iterating a Python str yields. */
    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>(s.length());
        s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        return out;
    }

    /** The UTF-16 offset of code point index {@code cpIndex} (0..length). */
    static int offset(String s, int cpIndex) {
        return s.offsetByCodePoints(0, cpIndex);
    }

    /** {@code s[i:j:step]} with indices already normalised by {@link Access#sliceIndices}. */
    static String slice(String s, int[] cps) {
        StringBuilder sb = new StringBuilder(cps.length);
        int[] points = s.codePoints().toArray();
        for (int i : cps) sb.appendCodePoint(points[i]);
        return sb.toString();
    }

    /** Code point order (Python compares strings by code point, Java's compareTo by UTF-16 unit). */
    static int compare(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i), cb = b.codePointAt(j);
            if (ca != cb) return Integer.compare(ca, cb);
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    // ---- strip / split -----------------------------------------------------------------------

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(Character.toString(cp)) >= 0;
    }

    /** {@code s.strip(chars)} (chars null: whitespace); left/right select the ends. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0, end = s.length();
        if (left) {
            while (start < end) {
                int cp = s.codePointAt(start);
                if (!stripped(cp, chars)) break;
                start += Character.charCount(cp);
            }
        }
        if (right) {
            while (end > start) {
                int cp = s.codePointBefore(end);
                if (!stripped(cp, chars)) break;
                end -= Character.charCount(cp);
            }
        }
        return s.substring(start, end);
    }

    /** {@code s.split(sep, maxsplit)}; sep null splits on runs of whitespace. */
    static List<Object> split(String s, String sep, long maxsplit) {
        List<Object> out = new ArrayList<>();
        if (maxsplit < 0) maxsplit = Long.MAX_VALUE;
        if (sep == null) {
            int i = 0, n = s.length();
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
                if (i >= n) break;
                if (out.size() == maxsplit) {
                    out.add(s.substring(i)); // the remainder keeps its trailing whitespace
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) j += Character.charCount(s.codePointAt(j));
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) throw TemplateRuntimeException.valueError("empty separator");
        int i = 0;
        while (out.size() < maxsplit) {
            int j = s.indexOf(sep, i);
            if (j < 0) break;
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    /** {@code s.rsplit(sep, maxsplit)}. */
    static List<Object> rsplit(String s, String sep, long maxsplit) {
        if (maxsplit < 0) return split(s, sep, maxsplit);
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && isSpace(s.codePointBefore(j))) j -= Character.charCount(s.codePointBefore(j));
                if (j <= 0) break;
                if (out.size() == maxsplit) {
                    out.add(s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.codePointBefore(i))) i -= Character.charCount(s.codePointBefore(i));
                out.add(s.substring(i, j));
                j = i;
            }
        } else {
            if (sep.isEmpty()) throw TemplateRuntimeException.valueError("empty separator");
            int j = s.length();
            while (out.size() < maxsplit) {
                int i = s.lastIndexOf(sep, j - sep.length());
                if (i < 0 || j - sep.length() < 0) break;
                out.add(s.substring(i + sep.length(), j));
                j = i;
            }
            out.add(s.substring(0, j));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /** {@code s.splitlines(keepends)}: splits on every Python line boundary, {@code \r\n} as one. */
    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int start = 0, i = 0, n = s.length();
        while (i < n) {
            int cp = s.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isLineBreak(cp)) {
                if (cp == '\r' && next < n && s.charAt(next) == '\n') next++;
                out.add(s.substring(start, keepends ? next : i));
                start = next;
            }
            i = next;
        }
        if (start < n) out.add(s.substring(start));
        return out;
    }

    /** {@code s.replace(old, new, count)}, including Python's behaviour for an empty {@code old}. */
    static String replace(String s, String old, String repl, long count) {
        if (count < 0) count = Long.MAX_VALUE;
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            long done = 0;
            int i = 0;
            while (i <= s.length()) {
                if (done < count) {
                    sb.append(repl);
                    done++;
                }
                if (i == s.length()) break;
                int cp = s.codePointAt(i);
                sb.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            return sb.toString();
        }
        int i = 0;
        long done = 0;
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) break;
            sb.append(s, i, j).append(repl);
            i = j + old.length();
            done++;
        }
        return sb.append(s, i, s.length()).toString();
    }

    // ---- case --------------------------------------------------------------------------------

    static String upper(String s) {
        return s.toUpperCase(Locale.ROOT);
    }

    static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code str.title()}: title-case after every uncased character. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            sb.append(prevCased ? lower(Character.toString(cp)) : titleCase(cp));
            prevCased = isCased(cp);
        }
        return sb.toString();
    }

    private static String titleCase(int cp) {
        // Java's toTitleCase maps one code point; Python's can expand (e.g. 'ß' -> 'Ss'), rare.
        return Character.toString(Character.toTitleCase(cp));
    }

    /** Python's {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int cp = s.codePointAt(0);
        return titleCase(cp) + lower(s.substring(Character.charCount(cp)));
    }

    static boolean isLower(String s) {
        boolean cased = false;
        for (int cp : s.codePoints().toArray()) {
            if (Character.isUpperCase(cp) || Character.isTitleCase(cp)) return false;
            if (Character.isLowerCase(cp)) cased = true;
        }
        return cased;
    }

    static boolean isUpper(String s) {
        boolean cased = false;
        for (int cp : s.codePoints().toArray()) {
            if (Character.isLowerCase(cp) || Character.isTitleCase(cp)) return false;
            if (Character.isUpperCase(cp)) cased = true;
        }
        return cased;
    }

    /** Python's {@code str.isprintable()} for one code point (used by {@code repr}). */
    static boolean isPrintable(int cp) {
        if (cp == ' ') return true;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** {@code sep.join(items)}: every item must already be a str. */
    static String join(String sep, List<Object> items) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (!Py.isStr(item)) {
                throw TemplateRuntimeException.typeError("sequence item " + i + ": expected str instance, "
                        + Py.typeName(item) + " found");
            }
            if (i > 0) sb.append(sep);
            sb.append(Py.asStr(item));
        }
        return sb.toString();
    }

    /** Python's {@code str.center/ljust/rjust}. */
    static String pad(String s, long width, String fill, char align) {
        long n = length(s);
        if (width <= n) return s;
        long total = width - n;
        long left = switch (align) {
            case '<' -> 0;
            case '>' -> total;
            // CPython's pad(): left = total/2 + (total & width & 1)
            default -> total / 2 + (total & width & 1);
        };
        return fill.repeat((int) left) + s + fill.repeat((int) (total - left));
    }
}
