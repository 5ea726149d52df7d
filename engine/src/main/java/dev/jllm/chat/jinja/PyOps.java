package dev.jllm.chat.jinja;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Python's arithmetic operators on template values, with Python's error messages. Strings and
 * lists built by {@code +} and {@code *} are capped at {@code maxSize} elements so that a template
 * cannot exhaust memory by repeated doubling.
 */
final class PyOps {
    private PyOps() {}

    private static void failUndefined(Object a, Object b) {
        if (a instanceof Undefined u) throw u.error();
        if (b instanceof Undefined u) throw u.error();
    }

    private static TemplateRuntimeException unsupported(String op, Object a, Object b) {
        return TemplateRuntimeException.typeError("unsupported operand type(s) for " + op + ": "
                + PyRepr.repr(Py.typeName(a)) + " and " + PyRepr.repr(Py.typeName(b)));
    }

    private static void checkSize(long size, long maxSize) {
        if (size > maxSize) {
            throw new TemplateLimitException("ResourceLimitError",
                    "value of " + size + " items exceeds the limit of " + maxSize);
        }
    }

    static Object add(Object a, Object b, long maxSize) {
        failUndefined(a, b);
        if (Py.isNumber(a) && Py.isNumber(b)) {
            if (Py.isFloat(a) || Py.isFloat(b)) return Py.toDouble(a) + Py.toDouble(b);
            return intResult(big(a).add(big(b)));
        }
        if (Py.isStr(a) && Py.isStr(b)) {
            checkSize((long) Py.asStr(a).length() + Py.asStr(b).length(), maxSize);
            // markupsafe: str + Markup escapes the plain side and stays Markup.
            if (a instanceof Markup || b instanceof Markup) {
                String left = a instanceof Markup m ? m.text() : Markup.escape((String) a);
                String right = b instanceof Markup m ? m.text() : Markup.escape((String) b);
                return new Markup(left + right);
            }
            return (String) a + b;
        }
        if (Py.isStr(a)) {
            throw TemplateRuntimeException.typeError("can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
        }
        if (a instanceof List<?> la && !(a instanceof PyRange)) {
            boolean tuple = a instanceof PyTuple;
            if (b instanceof List<?> lb && !(b instanceof PyRange) && (b instanceof PyTuple) == tuple) {
                checkSize((long) la.size() + lb.size(), maxSize);
                List<Object> out = new ArrayList<>(la);
                out.addAll(lb);
                return tuple ? new PyTuple(out) : out;
            }
            String kind = tuple ? "tuple" : "list";
            throw TemplateRuntimeException.typeError("can only concatenate " + kind + " (not \""
                    + Py.typeName(b) + "\") to " + kind);
        }
        throw unsupported("+", a, b);
    }

    static Object sub(Object a, Object b) {
        failUndefined(a, b);
        if (Py.isNumber(a) && Py.isNumber(b)) {
            if (Py.isFloat(a) || Py.isFloat(b)) return Py.toDouble(a) - Py.toDouble(b);
            return intResult(big(a).subtract(big(b)));
        }
        throw unsupported("-", a, b);
    }

    static Object mul(Object a, Object b, long maxSize) {
        failUndefined(a, b);
        if (Py.isNumber(a) && Py.isNumber(b)) {
            if (Py.isFloat(a) || Py.isFloat(b)) return Py.toDouble(a) * Py.toDouble(b);
            return intResult(big(a).multiply(big(b)));
        }
        // sequence * int and int * sequence repeat the sequence
        if (Py.isIntLike(b) && (Py.isStr(a) || a instanceof List)) return repeat(a, Py.toLong(b), maxSize);
        if (Py.isIntLike(a) && (Py.isStr(b) || b instanceof List)) return repeat(b, Py.toLong(a), maxSize);
        if (Py.isStr(a) || a instanceof List || Py.isStr(b) || b instanceof List) {
            Object seq = Py.isStr(a) || a instanceof List ? b : a;
            throw TemplateRuntimeException.typeError("can't multiply sequence by non-int of type "
                    + PyRepr.repr(Py.typeName(seq)));
        }
        throw unsupported("*", a, b);
    }

    private static Object repeat(Object seq, long times, long maxSize) {
        if (times <= 0) return Py.isStr(seq) ? "" : seq instanceof PyTuple ? new PyTuple(List.of()) : new ArrayList<>();
        if (Py.isStr(seq)) {
            String s = Py.asStr(seq);
            checkSize(s.length() * times, maxSize); // lengths are small enough not to overflow
            return s.repeat((int) times);
        }
        List<?> l = (List<?>) seq;
        checkSize(l.size() * times, maxSize);
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) out.addAll(l);
        return seq instanceof PyTuple ? new PyTuple(out) : out;
    }

    static Object truediv(Object a, Object b) {
        failUndefined(a, b);
        if (!Py.isNumber(a) || !Py.isNumber(b)) throw unsupported("/", a, b);
        double y = Py.toDouble(b);
        if (y == 0) throw new TemplateRuntimeException("ZeroDivisionError", "division by zero");
        return Py.toDouble(a) / y;
    }

    /** Python's {@code //}: floors toward negative infinity. */
    static Object floordiv(Object a, Object b) {
        failUndefined(a, b);
        if (!Py.isNumber(a) || !Py.isNumber(b)) throw unsupported("//", a, b);
        if (Py.isFloat(a) || Py.isFloat(b)) {
            double y = Py.toDouble(b);
            if (y == 0) throw new TemplateRuntimeException("ZeroDivisionError", "float floor division by zero");
            return Math.floor(Py.toDouble(a) / y);
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateRuntimeException("ZeroDivisionError", "integer division or modulo by zero");
        BigInteger[] qr = big(a).divideAndRemainder(y);
        BigInteger q = qr[0];
        if (qr[1].signum() != 0 && qr[1].signum() != y.signum()) q = q.subtract(BigInteger.ONE);
        return intResult(q);
    }

    /** Python's {@code %}: the result takes the divisor's sign; on a str it is printf formatting. */
    static Object mod(Object a, Object b) {
        failUndefined(a, b);
        if (Py.isStr(a)) return PercentFormat.format(Py.asStr(a), b);
        if (!Py.isNumber(a) || !Py.isNumber(b)) throw unsupported("%", a, b);
        if (Py.isFloat(a) || Py.isFloat(b)) {
            double x = Py.toDouble(a), y = Py.toDouble(b);
            if (y == 0) throw new TemplateRuntimeException("ZeroDivisionError", "float modulo");
            double r = x % y;
            if (r != 0 && (r < 0) != (y < 0)) r += y;
            return r;
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateRuntimeException("ZeroDivisionError", "integer division or modulo by zero");
        BigInteger r = big(a).mod(y.abs());
        if (y.signum() < 0 && r.signum() != 0) r = r.add(y);
        return intResult(r);
    }

    static Object pow(Object a, Object b) {
        failUndefined(a, b);
        if (!Py.isNumber(a) || !Py.isNumber(b)) throw unsupported("** or pow()", a, b);
        if (Py.isFloat(a) || Py.isFloat(b) || Py.toLong(b) < 0) {
            return Math.pow(Py.toDouble(a), Py.toDouble(b));
        }
        long exp = Py.toLong(b);
        BigInteger base = big(a);
        if (exp > 4096 && base.abs().compareTo(BigInteger.ONE) > 0) {
            throw new TemplateLimitException("ResourceLimitError", "exponent too large");
        }
        return intResult(base.pow((int) exp));
    }

    static Object neg(Object a) {
        if (a instanceof Undefined u) throw u.error();
        if (Py.isFloat(a)) return -Py.toDouble(a);
        if (Py.isIntLike(a)) return intResult(big(a).negate());
        throw TemplateRuntimeException.typeError("bad operand type for unary -: " + PyRepr.repr(Py.typeName(a)));
    }

    static Object pos(Object a) {
        if (a instanceof Undefined u) throw u.error();
        if (Py.isFloat(a)) return Py.toDouble(a);
        if (Py.isIntLike(a)) return intResult(big(a));
        throw TemplateRuntimeException.typeError("bad operand type for unary +: " + PyRepr.repr(Py.typeName(a)));
    }

    private static BigInteger big(Object o) {
        return o instanceof BigInteger bi ? bi : BigInteger.valueOf(Py.toLong(o));
    }

    /** Python ints are unbounded: stay a Long when possible, otherwise a BigInteger. */
    static Object intResult(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }
}
