package dev.jllm.chat.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Python's {@code str.format} as the sandbox allows it: replacement fields {@code {}}, {@code {0}},
 * {@code {name}}, with {@code !s}/{@code !r} conversions and the common part of the format-spec
 * mini-language ({@code [[fill]align][sign][0][width][.precision][type]}). Field names are not
 * traversed ({@code {0.attr}} is refused): that is where Python's format reaches object internals.
 */
final class StrFormat {
    private StrFormat() {}

    private static final Pattern SPEC = Pattern.compile(
            "(?:(.)?([<>=^]))?([-+ ])?(0)?(\\d+)?(?:\\.(\\d+))?([sdfFeEgG%xXobc])?");

    static String format(String fmt, Args args) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') i++;
                else throw TemplateRuntimeException.valueError("Single '}' encountered in format string");
                out.append('}');
                continue;
            }
            if (c != '{') {
                out.append(c);
                continue;
            }
            if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                out.append('{');
                i++;
                continue;
            }
            int close = fmt.indexOf('}', i);
            if (close < 0) throw TemplateRuntimeException.valueError("expected '}' before end of string");
            String field = fmt.substring(i + 1, close);
            i = close;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conversion = field.length() > bang + 1 ? field.charAt(bang + 1) : '?';
                field = field.substring(0, bang);
            }
            Object value;
            if (field.isEmpty()) {
                value = arg(args, auto++);
            } else if (field.chars().allMatch(Character::isDigit)) {
                value = arg(args, Integer.parseInt(field));
            } else if (field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                if (!args.keyword().containsKey(field)) throw new TemplateRuntimeException("KeyError", PyRepr.repr(field));
                value = args.keyword().get(field);
            } else {
                throw TemplateRuntimeException.valueError("unsupported format field " + PyRepr.repr(field));
            }
            if (conversion == 'r') value = PyRepr.repr(value);
            else if (conversion == 's') value = PyRepr.str(value);
            else if (conversion != 0) throw TemplateRuntimeException.valueError("Unknown conversion specifier " + conversion);
            out.append(applySpec(value, spec));
        }
        return out.toString();
    }

    private static Object arg(Args args, int index) {
        if (index >= args.positional().size()) {
            throw new TemplateRuntimeException("IndexError", "Replacement index " + index + " out of range for positional args tuple");
        }
        return args.positional().get(index);
    }

    private static String applySpec(Object value, String spec) {
        if (spec.isEmpty()) return PyRepr.str(value);
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) throw TemplateRuntimeException.valueError("Invalid format specifier " + PyRepr.repr(spec));
        String fill = m.group(1) != null ? m.group(1) : m.group(4) != null ? "0" : " ";
        char align = m.group(2) != null ? m.group(2).charAt(0)
                : (Py.isNumber(value) ? (m.group(4) != null ? '=' : '>') : '<');
        String sign = m.group(3);
        int width = m.group(5) != null ? Integer.parseInt(m.group(5)) : 0;
        int precision = m.group(6) != null ? Integer.parseInt(m.group(6)) : -1;
        char type = m.group(7) != null ? m.group(7).charAt(0) : 0;
        String body;
        if (type == 0 || type == 's') {
            if (type == 's' && !Py.isStr(value)) {
                throw TemplateRuntimeException.valueError("Unknown format code 's' for object of type " + PyRepr.repr(Py.typeName(value)));
            }
            body = Py.isFloat(value) && precision >= 0 ? general(Py.toDouble(value), precision) : PyRepr.str(value);
            if (Py.isStr(value) && precision >= 0 && precision < PyStr.length(body)) body = body.substring(0, PyStr.offset(body, precision));
        } else {
            if (!Py.isNumber(value)) {
                throw TemplateRuntimeException.valueError("Unknown format code '" + type + "' for object of type "
                        + PyRepr.repr(Py.typeName(value)));
            }
            body = switch (type) {
                case 'd' -> {
                    if (Py.isFloat(value)) throw TemplateRuntimeException.valueError("Unknown format code 'd' for object of type 'float'");
                    yield Long.toString(Py.toLong(value));
                }
                case 'x' -> Long.toHexString(Py.toLong(value));
                case 'X' -> Long.toHexString(Py.toLong(value)).toUpperCase(Locale.ROOT);
                case 'o' -> Long.toOctalString(Py.toLong(value));
                case 'b' -> Long.toBinaryString(Py.toLong(value));
                case 'c' -> Character.toString((int) Py.toLong(value));
                case 'f', 'F' -> fixed(Py.toDouble(value), precision < 0 ? 6 : precision);
                case '%' -> fixed(Py.toDouble(value) * 100, precision < 0 ? 6 : precision) + "%";
                case 'e', 'E' -> String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + type, Py.toDouble(value));
                default -> general(Py.toDouble(value), precision < 0 ? 6 : precision); // g, G
            };
        }
        if (sign != null && Py.isNumber(value) && !body.startsWith("-")) {
            if (sign.equals("+")) body = "+" + body;
            else if (sign.equals(" ")) body = " " + body;
        }
        int len = PyStr.length(body);
        if (width <= len) return body;
        int pad = width - len;
        return switch (align) {
            case '<' -> body + fill.repeat(pad);
            case '^' -> fill.repeat(pad / 2) + body + fill.repeat(pad - pad / 2);
            case '=' -> {
                boolean signed = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ");
                yield signed ? body.charAt(0) + fill.repeat(pad) + body.substring(1) : fill.repeat(pad) + body;
            }
            default -> fill.repeat(pad) + body;
        };
    }

    private static String fixed(double d, int precision) {
        if (Double.isNaN(d) || Double.isInfinite(d)) return PyRepr.floatRepr(d);
        return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
    }

    private static String general(double d, int precision) {
        if (Double.isNaN(d) || Double.isInfinite(d)) return PyRepr.floatRepr(d);
        String s = String.format(Locale.ROOT, "%." + Math.max(1, precision) + "g", d);
        // Python's 'g' drops trailing zeros, Java's keeps them
        if (s.contains("e")) {
            String[] parts = s.split("e");
            String mant = parts[0].contains(".") ? parts[0].replaceAll("0+$", "").replaceAll("\\.$", "") : parts[0];
            return mant + "e" + parts[1];
        }
        return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
