// The Vercel AI SDK (npm `ai` + a provider) as a client of the proxy.
//
// Reads one job as JSON on stdin:
//   {"baseURL": "http://127.0.0.1:PORT/v1", "mode": "generateText" | "streamText" | "generateObject" | "streamObject",
//    "provider": "anthropic" (the default: /v1/messages) | "openai-compatible"
//      (/v1/chat/completions) | "openai" (@ai-sdk/openai: /v1/responses),
//    "model": "...", "headers": {...}, "providerOptions": {...},
//    "prompt": "...", "maxSteps": 1,
//    "tools": [{"name": "...", "description": "...", "inputSchema": {...}, "result": "..."}],
//    "schema": {...} (the JSON Schema of an object mode)}
// and prints what the SDK made of the answer as JSON on stdout:
//   {"text", "finishReason", "usage", "totalUsage", "steps", "toolCalls", "executed", "requestIds"},
//   or for an object mode {"object", "finishReason", "usage"}
// Each tool's `execute` records the input it was given and returns the job's `result`.

import { generateObject, generateText, jsonSchema, stepCountIs, streamObject, streamText, tool } from "ai";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const job = JSON.parse(Buffer.concat(chunks).toString("utf8"));

const executed = [];
const tools = {};
for (const spec of job.tools ?? []) {
  tools[spec.name] = tool({
    description: spec.description,
    inputSchema: jsonSchema(spec.inputSchema),
    execute: async (input) => {
      executed.push({ name: spec.name, input });
      return spec.result;
    },
  });
}

// Each provider as its README configures it for an endpoint of its wire format; imported
// only when asked for, so a machine without the others still runs the Anthropic jobs.
const PROVIDERS = {
  anthropic: async (settings) => (await import("@ai-sdk/anthropic")).createAnthropic(settings),
  // includeUsage: without it the streamed answer has no usage (no stream_options sent);
  // supportsStructuredOutputs: without it generateObject sends json_object, not the schema.
  "openai-compatible": async (settings) =>
    (await import("@ai-sdk/openai-compatible")).createOpenAICompatible({ ...settings, name: "claude-max-proxy", includeUsage: true, supportsStructuredOutputs: true }),
  openai: async (settings) => (await import("@ai-sdk/openai")).createOpenAI(settings).responses,
};
const provider = await PROVIDERS[job.provider ?? "anthropic"]({ baseURL: job.baseURL, apiKey: "dummy", headers: job.headers });
const call = {
  model: provider(job.model ?? "claude-sonnet-4-5"),
  providerOptions: job.providerOptions,
  prompt: job.prompt,
  tools: job.tools ? tools : undefined,
  stopWhen: stepCountIs(job.maxSteps ?? 1),
  maxRetries: 0, // a failure is the test's to see, not the SDK's to retry
  abortSignal: AbortSignal.timeout(job.timeoutMs ?? 60000),
};

function usage(value) {
  return { inputTokens: value.inputTokens, outputTokens: value.outputTokens, totalTokens: value.totalTokens };
}

if (job.mode === "generateObject" || job.mode === "streamObject") {
  const asked = { model: call.model, prompt: job.prompt, schema: jsonSchema(job.schema), maxRetries: 0, abortSignal: call.abortSignal };
  let object, finishReason, used;
  if (job.mode === "streamObject") {
    const stream = streamObject(asked);
    for await (const partial of stream.partialObjectStream); // read to its end: the promises settle then
    [object, finishReason, used] = [await stream.object, await stream.finishReason, await stream.usage];
  } else {
    ({ object, finishReason, usage: used } = await generateObject(asked));
  }
  process.stdout.write(JSON.stringify({ object, finishReason, usage: usage(used) }) + "\n");
  process.exit(0);
}

let result;
if (job.mode === "streamText") {
  let failure;
  const stream = streamText({ ...call, onError: ({ error }) => (failure = error) });
  const text = await stream.text;
  if (failure) throw failure;
  result = {
    text,
    finishReason: await stream.finishReason,
    usage: await stream.usage,
    totalUsage: await stream.totalUsage,
    steps: await stream.steps,
  };
} else {
  result = await generateText(call);
}

const steps = result.steps;
process.stdout.write(
  JSON.stringify({
    text: result.text,
    finishReason: result.finishReason,
    usage: usage(result.usage),
    totalUsage: usage(result.totalUsage),
    steps: steps.length,
    toolCalls: steps.flatMap((step) =>
      step.toolCalls.map((toolCall) => ({ toolCallId: toolCall.toolCallId, toolName: toolCall.toolName, input: toolCall.input })),
    ),
    executed,
    // The proxy's id of each request, to find its RequestLog row.
    requestIds: steps.map((step) => step.response.headers?.["request-id"] ?? null),
  }) + "\n",
);
