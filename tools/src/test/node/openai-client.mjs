// Drives a jllm server (started with --pooling) with the official `openai` npm client and prints what it got as one JSON
// object on stdout (the Java integration test OpenAiClientsIT compares it with the library).
// Usage: node openai-client.mjs BASE_URL MODEL PROMPT MAX_TOKENS SCHEMA_JSON
import OpenAI from 'openai';

const [baseURL, model, prompt, maxTokensText, schemaText] = process.argv.slice(2);
const maxTokens = Number(maxTokensText);
const client = new OpenAI({ baseURL: baseURL + '/v1', apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const messages = [{ role: 'user', content: prompt }];
const chat = await client.chat.completions.create({ model, messages, temperature: 0, max_tokens: maxTokens });
out.chat = { text: chat.choices[0].message.content, finish: chat.choices[0].finish_reason, usage: chat.usage };

const stream = await client.chat.completions.create({
  model, messages, temperature: 0, max_tokens: maxTokens, stream: true, stream_options: { include_usage: true },
});
let text = '', finish = null, usage = null, chunks = 0;
for await (const chunk of stream) {
  chunks++;
  if (chunk.usage) usage = chunk.usage;
  for (const c of chunk.choices) {
    if (c.delta?.content) text += c.delta.content;
    if (c.finish_reason) finish = c.finish_reason;
  }
}
out.chatStream = { text, finish, usage, chunks };

const completion = await client.completions.create({ model, prompt, temperature: 0, max_tokens: maxTokens });
out.completion = { text: completion.choices[0].text, finish: completion.choices[0].finish_reason, usage: completion.usage };

const cstream = await client.completions.create({ model, prompt, temperature: 0, max_tokens: maxTokens, stream: true });
let ctext = '';
for await (const chunk of cstream) ctext += chunk.choices[0]?.text ?? '';
out.completionStream = { text: ctext };

const json = await client.chat.completions.create({
  model, messages, temperature: 0, max_tokens: maxTokens, response_format: { type: 'json_object' },
});
out.chatJson = { text: json.choices[0].message.content, finish: json.choices[0].finish_reason };

const structured = await client.chat.completions.create({
  model, messages, temperature: 0, max_tokens: maxTokens,
  response_format: { type: 'json_schema', json_schema: { name: 'cat', strict: true, schema: JSON.parse(schemaText) } },
});
out.chatSchema = { text: structured.choices[0].message.content, finish: structured.choices[0].finish_reason };

const withLogprobs = await client.chat.completions.create({
  model, messages, temperature: 0, max_tokens: maxTokens, logprobs: true, top_logprobs: 2,
});
out.chatLogprobs = withLogprobs.choices[0].logprobs.content.map((e) => ({ token: e.token, logprob: e.logprob, top: e.top_logprobs.length }));

// no encoding_format: the client asks for base64 and decodes it into numbers
const emb = await client.embeddings.create({ model, input: [prompt, 'Once upon a time'] });
out.embeddings = { vectors: emb.data.map((d) => d.embedding), indexes: emb.data.map((d) => d.index), usage: emb.usage };
const embFloat = await client.embeddings.create({ model, input: prompt, encoding_format: 'float' });
out.embeddingFloat = embFloat.data[0].embedding;

try {
  await client.chat.completions.create({ model, messages, n: 2 });
  out.badRequest = { status: 200 };
} catch (e) {
  out.badRequest = { status: e.status, name: e.constructor.name, param: e.param ?? e.error?.param ?? null, message: e.message };
}

process.stdout.write(JSON.stringify(out) + '\n');
