package dev.jllm;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

import dev.jllm.model.InferenceSession;

/**
 * The file a {@link Session} saves its context to: what it was saved from, its tokens, and
 * their keys and values in the cache's own encoding, so that restoring costs a read instead of
 * evaluating the tokens again.
 *
 * <pre>
 * "JLLM-SESSION"  12 bytes
 * version         int (1)
 * model           long: {@link Model#fingerprint()}
 * cache type      UTF: F16 or Q8_0
 * layers, KV heads, head size   3 ints
 * extra           int length, then that many bytes: what the owner keeps with the context
 *                 (a {@link ChatSession}'s history; empty for a plain {@link Session})
 * n               int: positions
 * tokens          n ints
 * keys, values    see {@code KVCache.write}: layer by layer, head by head, position by position
 * checksum        long: CRC-32 of everything before it
 * </pre>
 * Big-endian (DataOutput) throughout.
 */
final class SessionStateFile {
    private SessionStateFile() {}

    private static final byte[] MAGIC = "JLLM-SESSION".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    /** More than any conversation's text: a larger length is damage, not data. */
    private static final int MAX_EXTRA = 1 << 30;

    /** Writes the state to a temporary file beside {@code file}, then moves it into place. */
    static void write(Path file, Model model, int[] tokens, InferenceSession inference, byte[] extra) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(tmp))) {
            CheckedOutputStream checked = new CheckedOutputStream(raw, new CRC32());
            DataOutputStream out = new DataOutputStream(checked);
            out.write(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(model.fingerprint());
            out.writeUTF(inference.cacheType().name());
            ModelInfo info = model.info();
            out.writeInt(info.layers());
            out.writeInt(info.kvHeads());
            out.writeInt(info.headDim());
            out.writeInt(extra.length);
            out.write(extra);
            out.writeInt(tokens.length);
            for (int t : tokens) out.writeInt(t);
            inference.writeCache(out);
            out.flush();
            new DataOutputStream(raw).writeLong(checked.getChecksum().getValue());
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** What {@link #read} gives back: the context's tokens and the owner's extra bytes. */
    record Restored(int[] tokens, byte[] extra) {}

    /**
     * Reads a state written by {@link #write} into {@code inference}.
     *
     * @throws SessionStateException if the file is not a session state of this model and cache
     *                               type, is damaged or cut short, or does not fit the context
     */
    static Restored read(Path file, Model model, InferenceSession inference) throws IOException {
        String name = file.getFileName().toString();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            CheckedInputStream checked = new CheckedInputStream(raw, new CRC32());
            DataInputStream in = new DataInputStream(checked);
            byte[] magic = in.readNBytes(MAGIC.length); // fewer at the end of a short file
            if (!Arrays.equals(magic, MAGIC)) throw new SessionStateException(name + " is not a jllm session state");
            int version = in.readInt();
            if (version != VERSION) throw new SessionStateException(name + " is a session state of version " + version + "; this jllm reads version " + VERSION);
            if (in.readLong() != model.fingerprint()) {
                throw new SessionStateException(name + " was saved from another model than " + model.info().path().getFileName());
            }
            String type = in.readUTF();
            if (!type.equals(inference.cacheType().name())) {
                throw new SessionStateException(name + " holds its keys and values in " + type + ", and this model's sessions keep " + inference.cacheType()
                        + " (ModelOptions.kvCacheType, --cache-type)");
            }
            ModelInfo info = model.info();
            int layers = in.readInt(), kvHeads = in.readInt(), headDim = in.readInt();
            if (layers != info.layers() || kvHeads != info.kvHeads() || headDim != info.headDim()) {
                throw new SessionStateException(name + " holds " + layers + " layers of " + kvHeads + " KV heads of " + headDim
                        + ", not this model's shape: it is damaged");
            }
            int extraLength = in.readInt();
            if (extraLength < 0 || extraLength > MAX_EXTRA) throw new SessionStateException(name + " is damaged (an extra section of " + extraLength + " bytes)");
            byte[] extra = in.readNBytes(extraLength);
            if (extra.length < extraLength) throw new EOFException();
            int n = in.readInt();
            int capacity = inference.contextLength();
            if (n < 0 || n > capacity) {
                throw new SessionStateException(n < 0 ? name + " is damaged (a negative length)"
                        : name + " holds " + n + " positions, more than this session's context of " + capacity
                          + ": restore it into a session with a larger context");
            }
            int[] tokens = new int[n];
            int vocab = inference.vocabSize();
            for (int i = 0; i < n; i++) {
                tokens[i] = in.readInt();
                if (tokens[i] < 0 || tokens[i] >= vocab) throw new SessionStateException(name + " is damaged (token id " + tokens[i] + ")");
            }
            try { // from here on a failure leaves the context empty (readCache empties it first)
                inference.readCache(in, n);
                long computed = checked.getChecksum().getValue();
                long stored = new DataInputStream(raw).readLong();
                if (stored != computed) throw new SessionStateException(name + " is damaged (its checksum does not match)");
                if (raw.read() != -1) throw new SessionStateException(name + " is damaged (bytes after its end)");
            } catch (IOException | RuntimeException e) { // cut short, or not matching its checksum
                inference.truncate(0); // what was read is not a verified context
                throw e;
            }
            return new Restored(tokens, extra);
        } catch (EOFException e) {
            throw new SessionStateException(name + " is cut short: it was not saved completely", e);
        }
    }
}
