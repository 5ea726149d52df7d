package dev.jllm.chat.jinja;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Python's printf-style {@code str % args} (used by the {@code %} operator on strings and by the
 * {@code |format} filter). Supports {@code %(name)s} mapping keys, the flags {@code -+ 0#},
 * width and precision (including {@code *}), and the conversions {@code s r a d i u f F e E g G x
 * X o c %}.
 */
final class PercentFormat {
    private PercentFormat() {}

    static String format(String fmt, Object args) {
        List<Object> positional = args instanceof PyTuple t ? t : List.of(wrapNull(args));
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        int argIndex = 0;
        StringBuilder out = new StringBuilder();
        int i = 0, n = fmt.length();
        while (i < n) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= n) throw TemplateRuntimeException.valueError("incomplete format");
            Object value = null;
            boolean haveValue = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0) throw TemplateRuntimeException.valueError("incomplete format key");
                if (mapping == null) throw TemplateRuntimeException.typeError("format requires a mapping");
                String key = fmt.substring(i + 1, close);
                Object k = Py.findKey(mapping, key);
                if (k == Py.NO_KEY) throw new TemplateRuntimeException("KeyError", PyRepr.repr(key));
                value = mapping.get(k);
                haveValue = true;
                i = close + 1;
            }
            String flags = "";
            while (i < n && "-+ 0#".indexOf(fmt.charAt(i)) >= 0) flags += fmt.charAt(i++);
            int width = -1;
            if (i < n && fmt.charAt(i) == '*') {
                width = (int) Py.toLong(next(positional, argIndex++));
                i++;
            } else {
                int s = i;
                while (i < n && Character.isDigit(fmt.charAt(i))) i++;
                if (i > s) width = Integer.parseInt(fmt.substring(s, i));
            }
            int precision = -1;
            if (i < n && fmt.charAt(i) == '.') {
                i++;
                if (i < n && fmt.charAt(i) == '*') {
                    precision = (int) Py.toLong(next(positional, argIndex++));
                    i++;
                } else {
                    int s = i;
                    while (i < n && Character.isDigit(fmt.charAt(i))) i++;
                    precision = i > s ? Integer.parseInt(fmt.substring(s, i)) : 0;
                }
            }
            while (i < n && "hlL".indexOf(fmt.charAt(i)) >= 0) i++; // length modifiers are ignored
            if (i >= n) throw TemplateRuntimeException.valueError("incomplete format");
            char conv = fmt.charAt(i++);
            if (conv == '%') {
                out.append('%');
                continue;
            }
            if (!haveValue) value = mapping != null && !(args instanceof PyTuple) ? args : next(positional, argIndex++);
            out.append(pad(convert(conv, value, flags, precision), flags, width, conv));
        }
        if (mapping == null && argIndex < positional.size()) {
            throw TemplateRuntimeException.typeError("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static final Object NULL = new Object();

    private static Object wrapNull(Object o) {
        return o == null ? NULL : o;
    }

    private static Object next(List<Object> args, int index) {
        if (index >= args.size()) throw TemplateRuntimeException.typeError("not enough arguments for format string");
        Object o = args.get(index);
        return o == NULL ? null : o;
    }

    private static String convert(char conv, Object v, String flags, int precision) {
        if (v instanceof Undefined u && conv != 's') throw u.error();
        return switch (conv) {
            case 's' -> truncate(PyRepr.str(v), precision);
            case 'r', 'a' -> truncate(PyRepr.repr(v), precision);
            case 'd', 'i', 'u' -> signed(integer(v).toString(), flags);
            case 'x' -> signed(integer(v).toString(16), flags, flags.contains("#") ? "0x" : "");
            case 'X' -> signed(integer(v).toString(16).toUpperCase(), flags, flags.contains("#") ? "0X" : "");
            case 'o' -> signed(integer(v).toString(8), flags, flags.contains("#") ? "0o" : "");
            case 'f', 'F' -> signed(new BigDecimal(number(v)).setScale(precision < 0 ? 6 : precision,
                    java.math.RoundingMode.HALF_EVEN).toPlainString(), flags);
            case 'e', 'E', 'g', 'G' -> {
                String s = String.format(java.util.Locale.ROOT, "%" + (flags.contains("#") ? "#" : "")
                        + "." + (precision < 0 ? 6 : precision) + conv, number(v));
                yield signed(s, flags);
            }
            case 'c' -> Py.isStr(v) ? Py.asStr(v) : Character.toString((int) Py.toLong(v));
            default -> throw TemplateRuntimeException.valueError("unsupported format character '" + conv + "'");
        };
    }

    private static String truncate(String s, int precision) {
        return precision >= 0 && precision < PyStr.length(s) ? s.substring(0, PyStr.offset(s, precision)) : s;
    }

    private static java.math.BigInteger integer(Object v) {
        if (Py.isIntLike(v)) return v instanceof java.math.BigInteger b ? b : java.math.BigInteger.valueOf(Py.toLong(v));
        if (Py.isFloat(v)) return new BigDecimal(Py.toDouble(v)).toBigInteger();
        throw TemplateRuntimeException.typeError("%d format: a real number is required, not " + Py.typeName(v));
    }

    private static double number(Object v) {
        if (Py.isNumber(v)) return Py.toDouble(v);
        throw TemplateRuntimeException.typeError("must be real number, not " + Py.typeName(v));
    }

    private static String signed(String digits, String flags) {
        return signed(digits, flags, "");
    }

    private static String signed(String digits, String flags, String prefix) {
        boolean negative = digits.startsWith("-");
        String body = negative ? digits.substring(1) : digits;
        String sign = negative ? "-" : flags.contains("+") ? "+" : flags.contains(" ") ? " " : "";
        return sign + "\u0000" + prefix + body; // NUL marks where zero padding goes
    }

    private static String pad(String s, String flags, int width, char conv) {
        int mark = s.indexOf('\u0000');
        boolean numeric = mark >= 0;
        String plain = numeric ? s.substring(0, mark) + s.substring(mark + 1) : s;
        int len = PyStr.length(plain);
        if (width <= len) return plain;
        if (flags.contains("-")) return plain + " ".repeat(width - len);
        if (numeric && flags.contains("0")) {
            return s.substring(0, mark) + "0".repeat(width - len) + s.substring(mark + 1);
        }
        return " ".repeat(width - len) + plain;
    }
}
