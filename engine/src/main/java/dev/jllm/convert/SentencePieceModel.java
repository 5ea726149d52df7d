package dev.jllm.convert;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The vocabulary of a SentencePiece {@code tokenizer.model} (Llama 2, Mistral, TinyLlama,
 * Gemma): a protocol-buffers {@code ModelProto} whose field 1 repeats {@code SentencePiece}
 * messages (1 piece: string, 2 score: float, 3 type: enum, NORMAL when absent). Read with a few
 * lines of wire-format decoding instead of a protobuf library: these are the only fields a GGUF
 * vocabulary takes from it (llama.cpp's converter reads no others).
 *
 * <p>SentencePiece's type numbers are GGUF's token types: 1 normal, 2 unknown, 3 control,
 * 4 user-defined, 5 unused, 6 byte.
 */
public record SentencePieceModel(List<Piece> pieces) {

    public record Piece(String text, float score, int type) {}

    static final int NORMAL = 1;
    private static final int VARINT = 0, FIXED64 = 1, LENGTH_DELIMITED = 2, FIXED32 = 5;

    /** Parses {@code bytes}; {@code name} is the file name for messages. */
    public static SentencePieceModel parse(byte[] bytes, String name) {
        Reader r = new Reader(ByteBuffer.wrap(bytes), name);
        List<Piece> pieces = new ArrayList<>();
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3), wire = (int) (key & 7);
            if (field == 1 && wire == LENGTH_DELIMITED) pieces.add(piece(r.sub(), pieces.size()));
            else r.skip(wire);
        }
        if (pieces.isEmpty()) throw new ConversionException(name + " is not a SentencePiece model: it has no pieces");
        return new SentencePieceModel(List.copyOf(pieces));
    }

    private static Piece piece(Reader r, int id) {
        String text = null;
        float score = 0;
        int type = NORMAL;
        while (r.more()) {
            long key = r.varint();
            int field = (int) (key >>> 3), wire = (int) (key & 7);
            if (field == 1 && wire == LENGTH_DELIMITED) text = r.string(id);
            else if (field == 2 && wire == FIXED32) score = Float.intBitsToFloat(r.fixed32());
            else if (field == 3 && wire == VARINT) type = (int) r.varint();
            else r.skip(wire);
        }
        if (text == null) throw r.bad("piece " + id + " has no text");
        if (type < 1 || type > 6) throw r.bad("piece " + id + " has unknown type " + type);
        return new Piece(text, score, type);
    }

    /** Protocol-buffers wire format over a byte range, with bounds checks that name the file. */
    private record Reader(ByteBuffer b, String name) {
        boolean more() {
            return b.hasRemaining();
        }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (!b.hasRemaining()) throw bad("truncated varint");
                byte x = b.get();
                v |= (long) (x & 0x7f) << shift;
                if (x >= 0) return v;
            }
            throw bad("varint longer than 10 bytes");
        }

        int fixed32() {
            need(4);
            return b.order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        }

        Reader sub() {
            long len = varint();
            if (len < 0 || len > b.remaining()) throw bad("a field of " + len + " bytes runs past the end (truncated?)");
            ByteBuffer s = b.slice(b.position(), (int) len);
            b.position(b.position() + (int) len);
            return new Reader(s, name);
        }

        String string(int id) {
            Reader s = sub();
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).decode(s.b).toString();
            } catch (CharacterCodingException e) {
                throw bad("piece " + id + " is not valid UTF-8");
            }
        }

        void skip(int wire) {
            switch (wire) {
                case VARINT -> varint();
                case FIXED64 -> { need(8); b.position(b.position() + 8); }
                case LENGTH_DELIMITED -> sub();
                case FIXED32 -> { need(4); b.position(b.position() + 4); }
                default -> throw bad("unknown protobuf wire type " + wire);
            }
        }

        private void need(int n) {
            if (b.remaining() < n) throw bad("truncated field");
        }

        ConversionException bad(String what) {
            return new ConversionException(name + " is not a valid SentencePiece model: " + what);
        }
    }
}
