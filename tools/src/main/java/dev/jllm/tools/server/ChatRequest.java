package dev.jllm.tools.server;

import java.util.List;

import dev.jllm.ChatMessage;

/** A validated {@code POST /v1/chat/completions} request. */
record ChatRequest(List<ChatMessage> messages, RequestOptions options) {
}
