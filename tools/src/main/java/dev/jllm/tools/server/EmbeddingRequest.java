package dev.jllm.tools.server;

import java.util.List;

/**
 * A validated {@code POST /v1/embeddings} request: the inputs as texts or as token-id arrays
 * (exactly one of the two lists is set), and whether vectors go back as base64 floats.
 */
record EmbeddingRequest(List<String> texts, List<int[]> tokenIds, boolean base64) {
    int size() {
        return texts != null ? texts.size() : tokenIds.size();
    }
}
