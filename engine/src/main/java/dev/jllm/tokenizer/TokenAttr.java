package dev.jllm.tokenizer;

/**
 * Token attribute bits, as llama.cpp's {@code llama_token_attr}. A token's attributes start from
 * its GGUF token type and are then adjusted the way llama.cpp adjusts them at load time (for
 * example end-of-turn tokens stored as NORMAL gain CONTROL, Phi-3 special tokens gain RSTRIP).
 */
public final class TokenAttr {
    private TokenAttr() {}

    public static final int UNDEFINED = 0;
    public static final int UNKNOWN = 1;
    public static final int UNUSED = 1 << 1;
    public static final int NORMAL = 1 << 2;
    public static final int CONTROL = 1 << 3;
    public static final int USER_DEFINED = 1 << 4;
    public static final int BYTE = 1 << 5;
    public static final int NORMALIZED = 1 << 6;
    /** Whitespace before the token is removed when special tokens are parsed. */
    public static final int LSTRIP = 1 << 7;
    /** Whitespace after the token is removed when special tokens are parsed. */
    public static final int RSTRIP = 1 << 8;
    public static final int SINGLE_WORD = 1 << 9;

    // GGUF token types (tokenizer.ggml.token_type), as llama.cpp's llama_token_type.
    public static final int TYPE_UNDEFINED = 0;
    public static final int TYPE_NORMAL = 1;
    public static final int TYPE_UNKNOWN = 2;
    public static final int TYPE_CONTROL = 3;
    public static final int TYPE_USER_DEFINED = 4;
    public static final int TYPE_UNUSED = 5;
    public static final int TYPE_BYTE = 6;

    /** The attributes a GGUF token type starts with. */
    static int fromType(int type) {
        return switch (type) {
            case TYPE_NORMAL -> NORMAL;
            case TYPE_UNKNOWN -> UNKNOWN;
            case TYPE_CONTROL -> CONTROL;
            case TYPE_USER_DEFINED -> USER_DEFINED;
            case TYPE_UNUSED -> UNUSED;
            case TYPE_BYTE -> BYTE;
            default -> UNDEFINED;
        };
    }
}
