package dev.jllm.tools.convert;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import dev.jllm.convert.ConversionException;
import dev.jllm.gguf.GGUFArray;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFValueType;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.tensor.GGMLType;

/**
 * Converts a llama2.c checkpoint (Karpathy's "legacy" export: a header of seven int32 then the
 * float32 weights) and its tokenizer file into a GGUF file that jllm and llama.cpp load.
 *
 * <p>The tensors come out exactly as llama.cpp's {@code convert-llama2c-to-ggml} writes them —
 * same names, shapes, order and bytes; llama2.c already keeps Q/K rows in the interleaved-pair
 * RoPE layout that GGUF's "normal" RoPE uses, so no permutation is needed. The vocabulary gets
 * llama.cpp's token types (id 0 {@code <unk>} UNKNOWN, ids 1/2 {@code <s>}/{@code </s>} CONTROL,
 * {@code <0xXX>} BYTE, others NORMAL, spaces as U+2581). Two values deliberately differ from
 * that tool: {@code llama.context_length} is the checkpoint's own sequence length (llama.cpp
 * writes a fixed 128) and {@code llama.rope.dimension_count} is the head size (llama.cpp caps it
 * at 64, which is wrong for heads larger than 64).
 *
 * <p>The checkpoint is memory-mapped and its tensors are written straight from the mapping, so
 * large checkpoints are never copied onto the Java heap.
 */
public final class Llama2cConverter {

    /** The checkpoint's hyper-parameters, from its 28-byte header. */
    public record Config(int dim, int hiddenDim, int layers, int heads, int kvHeads, int vocabSize,
                         boolean sharedClassifier, int seqLen) {
        public int headSize() { return dim / heads; }
        public int kvDim() { return dim * kvHeads / heads; }

        /** Number of float32 values after the header, in llama2.c's order. */
        long floatCount() {
            long d = dim, h = hiddenDim, l = layers, v = vocabSize;
            long n = v * d                     // token embedding
                    + l * d                    // attention RMS norms
                    + l * d * d                // wq
                    + 2 * l * d * kvDim()      // wk, wv
                    + l * d * d                // wo
                    + l * d                    // ffn RMS norms
                    + 3 * l * h * d            // w1, w2, w3
                    + d                        // final RMS norm
                    + (long) seqLen * headSize(); // freq_cis_real + freq_cis_imag (unused)
            if (!sharedClassifier) n += v * d;
            return n;
        }

        public long expectedFileSize() {
            return HEADER_BYTES + 4 * floatCount();
        }
    }

    /** One vocabulary entry as written into the GGUF file. */
    public record Token(String text, float score, int type) {}

    public static final int TOKEN_NORMAL = 1, TOKEN_UNKNOWN = 2, TOKEN_CONTROL = 3, TOKEN_BYTE = 6;
    static final int HEADER_BYTES = 7 * 4;
    private static final int LLAMA2C_V1_MAGIC = 0x616b3432; // "ak42", llama2.c's newer export formats

    private Llama2cConverter() {}

    /** Reads and checks a checkpoint header; the message says what is wrong with a bad file. */
    public static Config readConfig(Path checkpoint) throws IOException {
        long size = fileSize(checkpoint, "checkpoint");
        if (size < HEADER_BYTES) throw new ConversionException(checkpoint.getFileName() + " is not a llama2.c checkpoint: only " + size + " bytes");
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            while (b.hasRemaining() && ch.read(b) >= 0) { /* fill */ }
        }
        b.flip();
        return parseConfig(b, size, checkpoint.getFileName().toString());
    }

    /**
     * Parses a header of 7 little-endian int32 and checks it against the file size.
     *
     * @throws ConversionException if the header is not a plausible llama2.c header
     */
    public static Config parseConfig(ByteBuffer header, long fileSize, String name) {
        header.order(ByteOrder.LITTLE_ENDIAN);
        int dim = header.getInt(), hidden = header.getInt(), layers = header.getInt(), heads = header.getInt(),
                kvHeads = header.getInt(), vocab = header.getInt(), seqLen = header.getInt();
        if (dim == LLAMA2C_V1_MAGIC) {
            throw new ConversionException(name + " is a llama2.c version " + hidden + " export; only the legacy (version 0) format is supported — re-export it with llama2.c's export.py --version 0");
        }
        String bad = null;
        if (dim <= 0 || hidden <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || vocab == 0 || seqLen <= 0) bad = "non-positive size";
        else if (dim > 1 << 16 || hidden > 1 << 18 || layers > 1024 || heads > dim || Math.abs((long) vocab) > 1 << 22 || seqLen > 1 << 22) bad = "implausible size";
        else if (dim % heads != 0) bad = "dim " + dim + " is not a multiple of n_heads " + heads;
        else if (kvHeads > heads || heads % kvHeads != 0) bad = "n_heads " + heads + " is not a multiple of n_kv_heads " + kvHeads;
        if (bad != null) {
            throw new ConversionException(name + " is not a llama2.c checkpoint (" + bad + " in header: dim=" + dim + " hidden_dim=" + hidden
                    + " n_layers=" + layers + " n_heads=" + heads + " n_kv_heads=" + kvHeads + " vocab_size=" + vocab + " seq_len=" + seqLen + ")");
        }
        Config c = new Config(dim, hidden, layers, heads, kvHeads, Math.abs(vocab), vocab > 0, seqLen);
        if (fileSize >= 0 && fileSize != c.expectedFileSize()) {
            throw new ConversionException(name + ": size " + fileSize + " bytes does not match its llama2.c header (dim=" + dim + " hidden_dim=" + hidden
                    + " n_layers=" + layers + " n_heads=" + heads + " n_kv_heads=" + kvHeads + " vocab_size=" + vocab + " seq_len=" + seqLen
                    + " needs " + c.expectedFileSize() + " bytes)" + (fileSize < c.expectedFileSize() ? " — truncated?" : ""));
        }
        return c;
    }

    /**
     * Reads a llama2.c tokenizer file ({@code int32 max_token_length}, then per token
     * {@code float score, int32 length, bytes}) and turns it into llama.cpp's vocabulary.
     *
     * @param expectedSize the model's vocabulary size, or -1 to accept any
     */
    public static List<Token> readTokenizer(Path tokenizer, int expectedSize) throws IOException {
        long size = fileSize(tokenizer, "tokenizer");
        if (size > 1L << 30) throw new ConversionException(tokenizer.getFileName() + " is too large for a llama2.c tokenizer (" + size + " bytes)");
        return parseTokenizer(Files.readAllBytes(tokenizer), expectedSize, tokenizer.getFileName().toString());
    }

    /** Parses the bytes of a llama2.c tokenizer file; see {@link #readTokenizer}. */
    public static List<Token> parseTokenizer(byte[] bytes, int expectedSize, String name) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) throw new ConversionException(name + " is not a llama2.c tokenizer: too short");
        int maxLen = b.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) throw new ConversionException(name + " is not a llama2.c tokenizer (max_token_length " + maxLen + ")");
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        List<Token> tokens = new ArrayList<>();
        while (b.hasRemaining()) {
            int id = tokens.size();
            if (b.remaining() < 8) throw new ConversionException(name + " is truncated in token " + id);
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > maxLen || len > b.remaining()) {
                throw new ConversionException(name + " is not a valid llama2.c tokenizer: token " + id + " has length " + len
                        + (len > maxLen ? " > max_token_length " + maxLen : len > b.remaining() ? " past the end of the file" : ""));
            }
            String text;
            try {
                CharBuffer cb = decoder.decode(b.slice(b.position(), len));
                text = cb.toString();
            } catch (CharacterCodingException e) {
                throw new ConversionException(name + ": token " + id + " is not valid UTF-8");
            }
            b.position(b.position() + len);
            tokens.add(token(id, text, score));
        }
        if (expectedSize >= 0 && tokens.size() != expectedSize) {
            throw new ConversionException(name + " has " + tokens.size() + " tokens but the checkpoint's vocabulary has " + expectedSize + " — wrong tokenizer for this model?");
        }
        return tokens;
    }

    /** llama.cpp's rules for the text and type of a llama2.c token. */
    static Token token(int id, String text, float score) {
        int type;
        if (id == 0) { text = "<unk>"; type = TOKEN_UNKNOWN; }
        else if (id == 1) { text = "<s>"; type = TOKEN_CONTROL; }
        else if (id == 2) { text = "</s>"; type = TOKEN_CONTROL; }
        else if (text.isEmpty()) type = TOKEN_CONTROL;
        else if (text.length() > 3 && text.startsWith("<0x") && Character.digit(text.charAt(3), 16) >= 0) type = TOKEN_BYTE;
        else type = TOKEN_NORMAL;
        return new Token(text.replace(' ', '\u2581'), score, type);
    }

    /** Options of a conversion; null fields take the checkpoint's values. */
    public record Options(String name, Integer contextLength) {
        public static Options defaults() { return new Options(null, null); }
    }

    /** Converts {@code checkpoint} + {@code tokenizer} into the GGUF file {@code out} (written atomically). */
    public static Config convert(Path checkpoint, Path tokenizer, Path out, Options options) throws IOException {
        Config c = readConfig(checkpoint);
        List<Token> vocab = readTokenizer(tokenizer, c.vocabSize());
        if (options.contextLength() != null && options.contextLength() < 1) throw new ConversionException("context length must be at least 1");

        GGUFMetadata md = new GGUFMetadata();
        String[] texts = new String[vocab.size()];
        float[] scores = new float[vocab.size()];
        int[] types = new int[vocab.size()];
        for (int i = 0; i < texts.length; i++) {
            texts[i] = vocab.get(i).text();
            scores[i] = vocab.get(i).score();
            types[i] = vocab.get(i).type();
        }
        // Keys, order and types as llama.cpp's convert-llama2c-to-ggml writes them.
        md.putArray("tokenizer.ggml.tokens", new GGUFArray(GGUFValueType.STRING, texts));
        md.putArray("tokenizer.ggml.scores", new GGUFArray(GGUFValueType.FLOAT32, scores));
        md.putArray("tokenizer.ggml.token_type", new GGUFArray(GGUFValueType.INT32, types));
        md.putString("tokenizer.ggml.model", "llama");
        md.putString("general.architecture", "llama");
        md.putString("general.name", options.name() != null ? options.name() : stem(checkpoint));
        md.putUInt32("tokenizer.ggml.unknown_token_id", 0);
        md.putUInt32("tokenizer.ggml.bos_token_id", 1);
        md.putUInt32("tokenizer.ggml.eos_token_id", 2);
        md.putUInt32("tokenizer.ggml.seperator_token_id", -1);
        md.putUInt32("tokenizer.ggml.padding_token_id", -1);
        md.putUInt32("llama.context_length", options.contextLength() != null ? options.contextLength() : c.seqLen());
        md.putUInt32("llama.embedding_length", c.dim());
        md.putUInt32("llama.feed_forward_length", c.hiddenDim());
        md.putUInt32("llama.attention.head_count", c.heads());
        md.putUInt32("llama.attention.head_count_kv", c.kvHeads());
        md.putUInt32("llama.block_count", c.layers());
        md.putUInt32("llama.rope.dimension_count", c.headSize());
        md.putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f);

        try (Arena arena = Arena.ofConfined();
             FileChannel ch = FileChannel.open(checkpoint, StandardOpenOption.READ)) {
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            Cursor cur = new Cursor(file);
            long d = c.dim(), h = c.hiddenDim(), kv = c.kvDim(), l = c.layers(), v = c.vocabSize();
            MemorySegment emb = cur.next(v * d);
            MemorySegment rmsAtt = cur.next(l * d);
            MemorySegment wq = cur.next(l * d * d);
            MemorySegment wk = cur.next(l * kv * d);
            MemorySegment wv = cur.next(l * kv * d);
            MemorySegment wo = cur.next(l * d * d);
            MemorySegment rmsFfn = cur.next(l * d);
            MemorySegment w1 = cur.next(l * h * d);
            MemorySegment w2 = cur.next(l * d * h);
            MemorySegment w3 = cur.next(l * h * d);
            MemorySegment rmsFinal = cur.next(d);
            cur.next((long) c.seqLen() * c.headSize()); // freq_cis_real, freq_cis_imag: RoPE tables llama.cpp recomputes
            MemorySegment cls = c.sharedClassifier() ? emb : cur.next(v * d);

            GGUFWriter w = new GGUFWriter(md);
            w.addTensor("token_embd.weight", GGMLType.F32, new long[]{d, v}, emb);
            w.addTensor("output_norm.weight", GGMLType.F32, new long[]{d}, rmsFinal);
            w.addTensor("output.weight", GGMLType.F32, new long[]{d, v}, cls);
            for (int i = 0; i < l; i++) {
                w.addTensor("blk." + i + ".attn_q.weight", GGMLType.F32, new long[]{d, d}, layer(wq, i, d * d));
                w.addTensor("blk." + i + ".attn_k.weight", GGMLType.F32, new long[]{d, kv}, layer(wk, i, kv * d));
                w.addTensor("blk." + i + ".attn_v.weight", GGMLType.F32, new long[]{d, kv}, layer(wv, i, kv * d));
                w.addTensor("blk." + i + ".attn_output.weight", GGMLType.F32, new long[]{d, d}, layer(wo, i, d * d));
                w.addTensor("blk." + i + ".attn_norm.weight", GGMLType.F32, new long[]{d}, layer(rmsAtt, i, d));
                w.addTensor("blk." + i + ".ffn_gate.weight", GGMLType.F32, new long[]{d, h}, layer(w1, i, h * d));
                w.addTensor("blk." + i + ".ffn_down.weight", GGMLType.F32, new long[]{h, d}, layer(w2, i, d * h));
                w.addTensor("blk." + i + ".ffn_up.weight", GGMLType.F32, new long[]{d, h}, layer(w3, i, h * d));
                w.addTensor("blk." + i + ".ffn_norm.weight", GGMLType.F32, new long[]{d}, layer(rmsFfn, i, d));
            }
            w.write(out);
        }
        return c;
    }

    private static MemorySegment layer(MemorySegment all, int i, long floats) {
        long bytes = floats * Float.BYTES;
        return all.asSlice(i * bytes, bytes);
    }

    /** Walks the float32 sections of a checkpoint after its header. */
    private static final class Cursor {
        private final MemorySegment file;
        private long offset = HEADER_BYTES;

        Cursor(MemorySegment file) { this.file = file; }

        MemorySegment next(long floats) {
            long bytes = floats * ValueLayout.JAVA_FLOAT.byteSize();
            MemorySegment s = file.asSlice(offset, bytes);
            offset += bytes;
            return s;
        }
    }

    private static long fileSize(Path p, String what) throws IOException {
        try {
            if (Files.isDirectory(p)) throw new ConversionException(what + " " + p + " is a directory");
            return Files.size(p);
        } catch (NoSuchFileException e) {
            throw new ConversionException(what + " file not found: " + p);
        }
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
