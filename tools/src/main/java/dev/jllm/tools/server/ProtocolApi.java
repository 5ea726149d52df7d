package dev.jllm.tools.server;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.jllm.Model;

/**
 * What every protocol's endpoints (OpenAI's, Anthropic's, Ollama's) work with: the server shell
 * (slots, shared I/O, counters), the model, the server's configuration and the JSON mapper.
 */
abstract class ProtocolApi {
    final OpenAiServer server;
    final Model model;
    final OpenAiServer.Config config;
    final ObjectMapper json;

    ProtocolApi(OpenAiServer server, Model model, OpenAiServer.Config config, ObjectMapper json) {
        this.server = server;
        this.model = model;
        this.config = config;
        this.json = json;
    }
}
