package dev.jllm.tools.server;

/**
 * A validated {@code POST /v1/completions} request: the prompt as text, or as token ids
 * ({@code promptIds}, when the client sent an array of integers).
 */
record CompletionRequest(String prompt, int[] promptIds, boolean echo, RequestOptions options) {
}
