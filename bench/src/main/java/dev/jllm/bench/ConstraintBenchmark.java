package dev.jllm.bench;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.jllm.sampling.GrammarConstraint;
import dev.jllm.sampling.JsonConstraint;
import dev.jllm.sampling.JsonSchemaGrammar;
import dev.jllm.sampling.TokenConstraint;

/**
 * One masking step of constrained generation over a 128,256-token vocabulary (Llama 3's size),
 * the cost added to every generated token: JSON mode ({@link JsonConstraint}) against a JSON
 * schema ({@link GrammarConstraint}), inside a string (where most tokens fit) and between values
 * (where few do). The vocabulary is synthetic, shaped like a BPE one: the 256 single bytes, then
 * words of 1–9 letters with and without a leading space, numbers, and JSON punctuation pieces.
 * Reported through the {@code tokens} auxiliary counter: vocabulary entries decided per second.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Benchmark)
public class ConstraintBenchmark {
    static final int VOCABULARY = 128_256;
    static final String SCHEMA = """
            {"type": "object", "properties": {
               "name": {"type": "string"}, "age": {"type": "integer"},
               "tags": {"type": "array", "items": {"type": "string"}}},
             "required": ["name", "age", "tags"]}""";

    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long tokens;
    }

    @Param({"json_object", "json_schema"})
    public String constraint;

    /** Where the text stands: inside the first string value, or just after the first member. */
    @Param({"string", "between"})
    public String position;

    TokenConstraint mask;
    float[] logits, work;

    @Setup(Level.Trial)
    public void setUp() {
        Random r = new Random(3);
        byte[][] vocab = new byte[VOCABULARY][];
        String[] punctuation = {"{", "}", "[", "]", ":", ",", "\"", "\":", "\",", "{\"", "\"}", " \"", "\n", "  ", "\n  ", "0", "1", "-", "."};
        for (int i = 0; i < VOCABULARY; i++) {
            String t;
            if (i < 256) {
                vocab[i] = new byte[]{(byte) i};
                continue;
            } else if (i < 256 + punctuation.length) t = punctuation[i - 256];
            else if (i % 10 == 0) t = Integer.toString(r.nextInt(1000));
            else {
                StringBuilder w = new StringBuilder(r.nextBoolean() ? " " : "");
                for (int k = 1 + r.nextInt(9); k > 0; k--) w.append((char) ('a' + r.nextInt(26)));
                t = w.toString();
            }
            vocab[i] = t.getBytes(StandardCharsets.UTF_8);
        }
        JsonConstraint.TokenTable table = new JsonConstraint.TokenTable(vocab, new int[]{VOCABULARY - 1});
        mask = constraint.equals("json_object") ? new JsonConstraint(table) : new GrammarConstraint(JsonSchemaGrammar.compile(SCHEMA), table);
        String prefix = position.equals("string") ? "{\"name\": \"Ann" : "{\"name\": \"Ann\"";
        for (byte b : prefix.getBytes(StandardCharsets.UTF_8)) mask.accept(b & 0xFF);
        logits = new float[VOCABULARY];
        for (int i = 0; i < VOCABULARY; i++) logits[i] = (float) r.nextGaussian();
        work = new float[VOCABULARY];
        mask.mask(work); // builds the automaton's states for this position once, as the first step of a reply does
    }

    @Benchmark
    public int mask(Counters c) {
        System.arraycopy(logits, 0, work, 0, VOCABULARY);
        c.tokens += VOCABULARY;
        return mask.mask(work);
    }
}
