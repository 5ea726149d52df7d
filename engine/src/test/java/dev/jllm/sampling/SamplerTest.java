package dev.jllm.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class SamplerTest {
    static SamplerConfig config(float temp, int topK, float topP, float minP, long seed) {
        return new SamplerConfig(temp, topK, topP, minP, 1f, 64, 0f, 0f, seed, Map.of());
    }

    static float[] logits() {
        return new float[]{1f, 3f, 2.5f, -1f, 0f, 2.9f};
    }

    @Test
    void greedyPicksArgmax() {
        assertEquals(1, new Sampler(SamplerConfig.GREEDY).sample(logits(), new int[0], 0));
    }

    @Test
    void sameSeedSameDrawsDifferentSeedDifferentDraws() {
        int[] a = new int[50], b = new int[50], c = new int[50];
        Sampler sa = new Sampler(config(1.5f, 0, 1f, 0f, 42)), sb = new Sampler(config(1.5f, 0, 1f, 0f, 42)), sc = new Sampler(config(1.5f, 0, 1f, 0f, 7));
        for (int i = 0; i < 50; i++) {
            a[i] = sa.sample(logits(), new int[0], 0);
            b[i] = sb.sample(logits(), new int[0], 0);
            c[i] = sc.sample(logits(), new int[0], 0);
        }
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void topKRestrictsToTheKBest() {
        Sampler s = new Sampler(config(5f, 2, 1f, 0f, 1));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) seen.add(s.sample(logits(), new int[0], 0));
        assertEquals(Set.of(1, 5), seen);
    }

    @Test
    void topPKeepsSmallestPrefixReachingP() {
        // probabilities at T=1: token1 e^3, token5 e^2.9, token2 e^2.5 … token1+token5 ≈ 0.59 of the mass
        Sampler s = new Sampler(config(5f, 0, 0.55f, 0f, 1));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) seen.add(s.sample(logits(), new int[0], 0));
        assertEquals(Set.of(1, 5), seen);
    }

    @Test
    void minPDropsUnlikelyTokens() {
        // p(token2)/p(token1) = e^-0.5 ≈ 0.61; p(token0)/p(token1) = e^-2 ≈ 0.14
        Sampler s = new Sampler(config(5f, 0, 1f, 0.5f, 1));
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 500; i++) seen.add(s.sample(logits(), new int[0], 0));
        assertEquals(Set.of(1, 5, 2), seen);
    }

    @Test
    void temperatureFlattensDistribution() {
        Sampler cold = new Sampler(config(0.05f, 0, 1f, 0f, 3)), hot = new Sampler(config(50f, 0, 1f, 0f, 3));
        int coldBest = 0, hotBest = 0;
        for (int i = 0; i < 1000; i++) {
            if (cold.sample(logits(), new int[0], 0) == 1) coldBest++;
            if (hot.sample(logits(), new int[0], 0) == 1) hotBest++;
        }
        assertTrue(coldBest > 850, "cold sampling should nearly always pick the best: " + coldBest);
        assertTrue(hotBest < 300, "hot sampling should spread out: " + hotBest);
    }

    @Test
    void repeatPenaltyDemotesRecentTokens() {
        SamplerConfig c = new SamplerConfig(0f, 0, 1f, 0f, 2f, 64, 0f, 0f, 0, Map.of());
        // token 1 (logit 3) penalised to 1.5 → token 5 (2.9) wins
        assertEquals(5, new Sampler(c).sample(logits(), new int[]{1}, 1));
    }

    @Test
    void presenceAndFrequencyPenalties() {
        SamplerConfig c = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0.05f, 0.1f, 0, Map.of());
        float[] l = logits();
        new Sampler(c).sample(l, new int[]{1, 1, 2}, 3);
        assertEquals(3f - 0.05f - 0.2f, l[1], 1e-6);
        assertEquals(2.5f - 0.05f - 0.1f, l[2], 1e-6);
    }

    @Test
    void logitBiasApplies() {
        SamplerConfig c = new SamplerConfig(0f, 0, 1f, 0f, 1f, 64, 0f, 0f, 0, Map.of(3, 10f));
        assertEquals(3, new Sampler(c).sample(logits(), new int[0], 0));
    }

    @Test
    void invalidParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> config(-1f, 0, 1f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> config(1f, -1, 1f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> config(1f, 0, 0f, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> config(1f, 0, 1f, 2f, 0));
    }
}
