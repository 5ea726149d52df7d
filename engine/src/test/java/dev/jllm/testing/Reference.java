package dev.jllm.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** One prompt of a llama.cpp reference file ({@code ../shared/reference/<model>.json}). */
public record Reference(String model, String prompt, int[] promptIds, float[][][] topk, int[] greedyIds) {

    /** Top-k as [position][rank] = {id, logit}. */
    public int topId(int position, int rank) {
        return (int) topk[position][rank][0];
    }

    public float topLogit(int position, int rank) {
        return topk[position][rank][1];
    }

    public static List<Reference> load(Path json) {
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            List<Reference> out = new ArrayList<>();
            for (JsonNode e : root) {
                int[] prompt = ints(e.get("prompt_ids"));
                int[] greedy = ints(e.get("greedy_ids"));
                JsonNode tk = e.get("topk_per_position");
                float[][][] topk = new float[tk.size()][][];
                for (int p = 0; p < tk.size(); p++) {
                    topk[p] = new float[tk.get(p).size()][2];
                    for (int r = 0; r < tk.get(p).size(); r++) {
                        topk[p][r][0] = tk.get(p).get(r).get(0).asInt();
                        topk[p][r][1] = (float) tk.get(p).get(r).get(1).asDouble();
                    }
                }
                out.add(new Reference(e.get("model").asText(), e.get("prompt").asText(), prompt, topk, greedy));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
