package dev.jllm.sampling;

/**
 * A byte-at-a-time recognizer of the beginnings of one JSON object (RFC 8259, with the top-level
 * value an object, as OpenAI's {@code json_object} mode asks). {@link #accept} says whether a
 * byte keeps the text a valid beginning; {@link #complete} whether the object is closed.
 *
 * <p>Limits keep a constrained model from running on without end where JSON allows it. Between
 * tokens, whitespace is what llama.cpp's JSON grammar allows ({@code ws ::= | " " | "\n" [ \t]{0,20}}):
 * nothing, one space, or a newline and at most {@link #MAX_WHITESPACE} spaces or tabs — small
 * models otherwise fill the reply with blank lines. Numbers have at most {@link #MAX_NUMBER}
 * characters, nesting is at most {@link #MAX_DEPTH} deep. Bytes of 0x80 and up are accepted inside strings without checking
 * that they form UTF-8 (the tokenizer's bytes do).
 *
 * <p>Mutable and small: {@link #copyFrom} makes a probe for trying a token's bytes.
 */
public final class JsonPrefix {
    static final int MAX_WHITESPACE = 20, MAX_NUMBER = 32, MAX_DEPTH = 64;

    // What the next byte may be.
    private static final int START = 0,         // whitespace, then '{'
            VALUE = 1,                            // any value
            ARRAY_FIRST = 2,                      // a value or ']' (just after '[')
            KEY_OR_END = 3,                       // '"' or '}' (just after '{')
            KEY = 4,                              // '"' (after ',' in an object)
            COLON = 5,                            // ':'
            AFTER_VALUE = 6,                      // ',' or the container's closer
            STRING = 7, ESCAPE = 8, UNICODE = 9,  // inside a string, after '\', in '\\uXXXX'
            MINUS = 10, ZERO = 11, INT = 12, DOT = 13, FRACTION = 14, E = 15, E_SIGN = 16, EXPONENT = 17,
            LITERAL = 18,                         // inside true / false / null
            DONE = 19;

    private final byte[] stack = new byte[MAX_DEPTH]; // '{' or '['
    private int depth;
    private int mode = START;
    private boolean key;          // the string being read is an object key
    private int counter;          // hex digits read (UNICODE), characters so far (numbers)
    private byte[] literal;       // the literal being read, and how far
    private int literalAt;
    private int whitespace;       // whitespace bytes in the current run outside strings (0: none yet)
    private boolean newlineRun;   // the run began with a newline (else with its one space)

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'}, FALSE = {'f', 'a', 'l', 's', 'e'}, NULL = {'n', 'u', 'l', 'l'};

    /** Makes this recognizer the same as {@code other}. */
    public void copyFrom(JsonPrefix other) {
        System.arraycopy(other.stack, 0, stack, 0, other.depth);
        depth = other.depth;
        mode = other.mode;
        key = other.key;
        counter = other.counter;
        literal = other.literal;
        literalAt = other.literalAt;
        whitespace = other.whitespace;
        newlineRun = other.newlineRun;
    }

    /** True inside a string's characters (not just after a backslash): where any byte but '"', '\\' and control bytes fits. */
    public boolean inString() {
        return mode == STRING;
    }

    /** True once the top-level object is closed: nothing more may follow. */
    public boolean complete() {
        return mode == DONE;
    }

    /**
     * A shortest-effort ending that would complete the object from here (e.g. {@code "0}]}"}):
     * a witness that the text so far is a real beginning, for tests against other parsers.
     */
    public String completion() {
        StringBuilder out = new StringBuilder();
        switch (mode) {
            case START -> out.append("{");
            case VALUE, ARRAY_FIRST -> out.append("0");
            case KEY_OR_END, AFTER_VALUE, DONE -> { }
            case KEY -> out.append("\"k\":0");
            case COLON -> out.append(":0");
            case STRING -> out.append(key ? "\":0" : "\"");
            case ESCAPE -> out.append(key ? "n\":0" : "n\"");
            case UNICODE -> out.append("0".repeat(4 - counter)).append(key ? "\":0" : "\"");
            case LITERAL -> out.append(new String(literal, literalAt, literal.length - literalAt, java.nio.charset.StandardCharsets.US_ASCII));
            case MINUS, DOT, E, E_SIGN -> out.append("0");
            default -> { } // a number that may end here
        }
        for (int d = (mode == START ? 1 : depth) - 1; d >= 0; d--) out.append(mode == START || stack[d] == '{' ? '}' : ']');
        return out.toString();
    }

    /** Feeds all of {@code bytes}; false (and this recognizer unusable) at the first that does not fit. */
    public boolean accept(byte[] bytes) {
        for (byte b : bytes) if (!accept(b)) return false;
        return true;
    }

    /** Feeds one byte; false (and this recognizer unusable) if it cannot continue the text. */
    public boolean accept(byte b) {
        int c = b & 0xFF;
        switch (mode) {
            case STRING -> {
                if (c == '"') {
                    mode = key ? COLON : AFTER_VALUE;
                    whitespace = 0;
                    return true;
                }
                if (c == '\\') {
                    mode = ESCAPE;
                    return true;
                }
                return c >= 0x20; // control characters must be escaped
            }
            case ESCAPE -> {
                if (c == 'u') {
                    mode = UNICODE;
                    counter = 0;
                    return true;
                }
                mode = STRING;
                return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't';
            }
            case UNICODE -> {
                if (!isHex(c)) return false;
                if (++counter == 4) mode = STRING;
                return true;
            }
            case LITERAL -> {
                if (c != literal[literalAt]) return false;
                if (++literalAt == literal.length) endValue();
                return true;
            }
            case MINUS, ZERO, INT, DOT, FRACTION, E, E_SIGN, EXPONENT -> {
                return number(c);
            }
            case DONE -> {
                return false;
            }
            default -> {
                return structural(c);
            }
        }
    }

    /** A byte where whitespace, a value, a key, ':' ',' or a closer may come. */
    private boolean structural(int c) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return whitespace(c);
        whitespace = 0;
        switch (mode) {
            case START -> {
                return c == '{' && open('{');
            }
            case KEY_OR_END, KEY -> {
                if (c == '"') {
                    mode = STRING;
                    key = true;
                    return true;
                }
                return mode == KEY_OR_END && c == '}' && close('{');
            }
            case COLON -> {
                if (c != ':') return false;
                mode = VALUE;
                return true;
            }
            case AFTER_VALUE -> {
                if (c == ',') {
                    mode = stack[depth - 1] == '{' ? KEY : VALUE;
                    return true;
                }
                return (c == '}' || c == ']') && close(c == '}' ? '{' : '[');
            }
            case VALUE, ARRAY_FIRST -> {
                if (mode == ARRAY_FIRST && c == ']') return close('[');
                return value(c);
            }
            default -> throw new IllegalStateException("mode " + mode);
        }
    }

    /** One whitespace byte: a run is one space, or a newline and up to MAX_WHITESPACE spaces or tabs. */
    private boolean whitespace(int c) {
        if (whitespace == 0) {
            if (c != ' ' && c != '\n') return false;
            newlineRun = c == '\n';
            whitespace = 1;
            return true;
        }
        if (!newlineRun || (c != ' ' && c != '\t')) return false;
        return whitespace++ <= MAX_WHITESPACE;
    }

    private boolean value(int c) {
        switch (c) {
            case '{' -> {
                return open('{');
            }
            case '[' -> {
                return open('[');
            }
            case '"' -> {
                mode = STRING;
                key = false;
                return true;
            }
            case 't' -> startLiteral(TRUE);
            case 'f' -> startLiteral(FALSE);
            case 'n' -> startLiteral(NULL);
            case '-' -> {
                mode = MINUS;
                counter = 1;
            }
            default -> {
                if (c < '0' || c > '9') return false;
                mode = c == '0' ? ZERO : INT;
                counter = 1;
            }
        }
        return true;
    }

    private void startLiteral(byte[] word) {
        mode = LITERAL;
        literal = word;
        literalAt = 1;
    }

    /** A byte inside or just after a number. */
    private boolean number(int c) {
        boolean digit = c >= '0' && c <= '9';
        int next = -1;
        switch (mode) {
            case MINUS -> next = c == '0' ? ZERO : digit ? INT : -1;
            case ZERO -> next = c == '.' ? DOT : c == 'e' || c == 'E' ? E : -1;
            case INT -> next = digit ? INT : c == '.' ? DOT : c == 'e' || c == 'E' ? E : -1;
            case DOT, FRACTION -> next = digit ? FRACTION : mode == FRACTION && (c == 'e' || c == 'E') ? E : -1;
            case E -> next = c == '+' || c == '-' ? E_SIGN : digit ? EXPONENT : -1;
            case E_SIGN, EXPONENT -> next = digit ? EXPONENT : -1;
            default -> throw new IllegalStateException("mode " + mode);
        }
        if (next >= 0) {
            mode = next;
            return ++counter <= MAX_NUMBER;
        }
        // not part of the number: it ends here if it can, and the byte is read after it
        if (mode != ZERO && mode != INT && mode != FRACTION && mode != EXPONENT) return false;
        endValue();
        return structural(c);
    }

    private boolean open(char bracket) {
        if (depth == MAX_DEPTH) return false;
        stack[depth++] = (byte) bracket;
        mode = bracket == '{' ? KEY_OR_END : ARRAY_FIRST;
        return true;
    }

    private boolean close(char bracket) {
        if (depth == 0 || stack[depth - 1] != bracket) return false;
        depth--;
        endValue();
        return true;
    }

    private void endValue() {
        mode = depth == 0 ? DONE : AFTER_VALUE;
        whitespace = 0;
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
