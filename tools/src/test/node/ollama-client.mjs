// Drives a jllm server's Ollama routes with the official `ollama` npm client (ollama-js) and prints
// what it got as one JSON object on stdout (the Java integration test OpenAiClientsIT compares it
// with the library). Usage: node ollama-client.mjs BASE_URL PROMPT MAX_TOKENS
import { Ollama } from 'ollama';

const [host, prompt, maxTokensText] = process.argv.slice(2);
const maxTokens = Number(maxTokensText);
const ollama = new Ollama({ host });
const out = {};
const options = { temperature: 0, num_predict: maxTokens };
const messages = [{ role: 'user', content: prompt }];

const list = await ollama.list();
out.models = list.models.map((m) => m.name);

const chat = await ollama.chat({ model: 'stories260K-f32', messages, options, stream: false });
out.chat = { content: chat.message.content, evalCount: chat.eval_count, done: chat.done };

let content = '', parts = 0, done = false;
for await (const part of await ollama.chat({ model: 'stories260K-f32', messages, options, stream: true })) {
  parts++;
  content += part.message.content;
  done = part.done;
}
out.chatStream = { content, parts, done };

const generated = await ollama.generate({ model: 'stories260K-f32', prompt, raw: true, options, stream: false });
out.generateRaw = generated.response;

const emb = await ollama.embed({ model: 'stories260K-f32', input: prompt });
out.embedding = emb.embeddings[0];

try {
  await ollama.pull({ model: 'llama3.2', stream: false });
  out.pull = { status: 200 };
} catch (e) {
  out.pull = { status: e.status_code ?? null, name: e.name, message: e.message };
}

process.stdout.write(JSON.stringify(out) + '\n');
