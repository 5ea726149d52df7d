package dev.jllm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.jllm.gguf.GGUFFile;
import dev.jllm.gguf.GGUFMetadata;
import dev.jllm.gguf.GGUFWriter;
import dev.jllm.gguf.TensorInfo;
import dev.jllm.model.InferenceSession;
import dev.jllm.tensor.Tensor;
import dev.jllm.testing.TestData;

/**
 * {@link Model#embed}: the pooled vector is the model's real final hidden state (the one the
 * logits are computed from), pooled and normalized as llama.cpp does, whatever the chunking.
 */
class EmbeddingTest {
    static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park with her friends.";
    static Model model;

    @BeforeAll
    static void load() {
        // batches of 4 tokens: the text runs through several prompt chunks
        model = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().batchSize(4).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void lastPoolingIsTheStateTheLogitsComeFrom() {
        int[] ids = model.tokenize(TEXT, true, false);
        assertTrue(ids.length > 8, "several chunks: " + ids.length);
        float[] state = model.embed(ids, Pooling.LAST, false).vector();
        float[] logits = new InferenceSession(model.transformer(), ids.length, 4).feed(ids).clone();
        Tensor output = model.transformer().weights().output();
        float[] row = new float[output.cols()];
        double worst = 0;
        for (int r = 0; r < output.rows(); r++) {
            output.dequantizeRow(r, row, 0);
            double dot = 0;
            for (int i = 0; i < row.length; i++) dot += (double) row[i] * state[i];
            worst = Math.max(worst, Math.abs(dot - logits[r]));
        }
        assertTrue(worst < 1e-3, "output · state differs from the logits by " + worst);
    }

    @Test
    void eachTokensStateDependsOnlyOnTheTokensBeforeIt() {
        // causal attention: the state of token t is the LAST embedding of the text cut after t
        int[] ids = model.tokenize(TEXT, true, false);
        float[] all = new InferenceSession(model.transformer(), ids.length, 4).hiddenStates(ids);
        int dim = model.info().embeddingLength();
        for (int t : new int[]{0, 3, 4, ids.length / 2, ids.length - 1}) {
            float[] prefix = model.embed(java.util.Arrays.copyOf(ids, t + 1), Pooling.LAST, false).vector();
            assertArrayEquals(java.util.Arrays.copyOfRange(all, t * dim, (t + 1) * dim), prefix, 1e-5f, "token " + t);
        }
    }

    @Test
    void meanAndClsPoolTheTokenStates() {
        int[] ids = model.tokenize(TEXT, true, false);
        float[] all = new InferenceSession(model.transformer(), ids.length, 4).hiddenStates(ids);
        int dim = model.info().embeddingLength();
        float[] mean = new float[dim];
        for (int i = 0; i < dim; i++) {
            double s = 0;
            for (int t = 0; t < ids.length; t++) s += all[t * dim + i];
            mean[i] = (float) (s / ids.length);
        }
        assertArrayEquals(mean, model.embed(ids, Pooling.MEAN, false).vector(), 1e-5f);
        assertArrayEquals(java.util.Arrays.copyOf(all, dim), model.embed(ids, Pooling.CLS, false).vector(), 1e-5f);
    }

    @Test
    void normalizedVectorsHaveUnitLengthAndTheSameDirection() {
        Embedding raw = model.embed(TEXT, Pooling.MEAN, false);
        Embedding unit = model.embed(TEXT, Pooling.MEAN, true);
        double norm = 0;
        for (float f : raw.vector()) norm += (double) f * f;
        norm = Math.sqrt(norm);
        assertTrue(norm > 0.1, "a real vector: " + norm);
        for (int i = 0; i < raw.vector().length; i++) assertEquals(raw.vector()[i] / norm, unit.vector()[i], 1e-6);
        assertEquals(1.0, unit.cosine(unit), 1e-6);
        assertEquals(raw.tokenCount(), unit.tokenCount());
        assertEquals(model.tokenize(TEXT, true, true).length, unit.tokenCount());
    }

    @Test
    void similarTextsAreCloserThanUnrelatedOnes() {
        // not a quality claim for a 260K-parameter model, only that the vectors depend on the text
        Embedding a = model.embed("The little dog ran to the park.", Pooling.MEAN, true);
        Embedding b = model.embed("The little dog ran to the park!", Pooling.MEAN, true);
        Embedding c = model.embed("Mom baked a big red cake for Tim.", Pooling.MEAN, true);
        assertTrue(a.cosine(b) > a.cosine(c), a.cosine(b) + " vs " + a.cosine(c));
        assertTrue(a.cosine(c) < 0.9999, "different texts, different vectors: " + a.cosine(c));
    }

    @Test
    void concurrentCallsGiveTheSequentialResults() throws Exception {
        String[] texts = {"Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a big bird"};
        List<float[]> sequential = new ArrayList<>();
        for (String t : texts) sequential.add(model.embed(t, Pooling.MEAN, true).vector());
        ExecutorService ex = Executors.newFixedThreadPool(texts.length);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++)
                for (String t : texts) futures.add(ex.submit(() -> model.embed(t, Pooling.MEAN, true).vector()));
            for (int i = 0; i < futures.size(); i++) assertArrayEquals(sequential.get(i % texts.length), futures.get(i).get(), texts[i % texts.length]);
        } finally {
            ex.shutdownNow();
        }
    }

    @Test
    void aFileWithoutPoolingAsksForOne() {
        assertTrue(model.pooling().isEmpty());
        JllmException e = assertThrows(JllmException.class, () -> model.embed(TEXT));
        assertTrue(e.getMessage().contains("llama.pooling_type") && e.getMessage().contains("mean, cls or last"), e.getMessage());
    }

    @Test
    void textsLongerThanTheContextAreRefused() {
        try (Model small = Model.load(TestData.require("models/stories260K-f32.gguf"), ModelOptions.builder().contextLength(8).build())) {
            ContextOverflowException e = assertThrows(ContextOverflowException.class, () -> small.embed(TEXT, Pooling.LAST, true));
            assertTrue(e.getMessage().contains("context holds 8"), e.getMessage());
            assertEquals(8, small.embed(java.util.Arrays.copyOf(small.tokenize(TEXT, true, false), 8), Pooling.LAST, true).tokenCount());
        }
        assertThrows(IllegalArgumentException.class, () -> model.embed(new int[0], Pooling.LAST, true));
    }

    @TempDir Path dir;

    Path withPoolingType(int type) throws IOException {
        Path src = TestData.require("models/stories260K-f32.gguf");
        Path out = dir.resolve("pooling-" + type + ".gguf");
        try (GGUFFile f = GGUFFile.open(src)) {
            GGUFMetadata md = f.metadata().copy();
            md.putUInt32("llama.pooling_type", type);
            GGUFWriter w = new GGUFWriter(md);
            for (TensorInfo t : f.tensors().values()) w.addTensor(t.name(), t.type(), t.shape(), f.data(t));
            w.write(out);
        }
        return out;
    }

    @Test
    void theDeclaredPoolingIsTheDefault() throws IOException {
        try (Model last = Model.load(withPoolingType(3))) {
            assertEquals(Pooling.LAST, last.pooling().orElseThrow());
            assertArrayEquals(last.embed(TEXT, Pooling.LAST, true).vector(), last.embed(TEXT).vector());
        }
        try (Model mean = Model.load(withPoolingType(1))) {
            assertEquals(Pooling.MEAN, mean.pooling().orElseThrow());
        }
        try (Model none = Model.load(withPoolingType(0))) {
            assertTrue(none.pooling().isEmpty());
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Model.load(withPoolingType(4)).close());
        assertTrue(e.getMessage().contains("llama.pooling_type = 4 is not supported"), e.getMessage());
    }

    @Test
    void poolingNamesParse() {
        assertEquals(Pooling.MEAN, Pooling.parse("mean"));
        assertEquals(Pooling.LAST, Pooling.parse(" LAST "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pooling.parse("max"));
        assertTrue(e.getMessage().contains("use mean, cls or last"), e.getMessage());
    }
}
