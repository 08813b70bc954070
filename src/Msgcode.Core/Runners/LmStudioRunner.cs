using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Msgcode.Core.Config;
using Msgcode.Core.Errors;
using Msgcode.Core.Storage;

namespace Msgcode.Core.Runners;

/// <summary>
/// LM Studio through its OpenAI-compatible server: <c>POST /v1/chat/completions</c> at <c>lmstudio.baseUrl</c>,
/// model <c>auto</c> = the first model <c>GET /v1/models</c> lists, a bearer key from <c>lmstudio.apiKey</c>,
/// <c>lmstudio.timeoutMs</c> and <c>lmstudio.maxTokens</c>. None of the peers drives LM Studio directly. A run's
/// input pictures go with the prompt as image parts to a vision model (<see cref="LmStudioVision"/>).
/// </summary>
public sealed class LmStudioRunner : IRunner, IPolicyAware
{
    private readonly MsgcodeHome _home;
    private readonly HttpMessageHandler? _handler;

    public LmStudioRunner(MsgcodeHome home, HttpMessageHandler? handler = null)
    {
        _home = home;
        _handler = handler;
    }

    public string Kind => "lmstudio";

    public bool SupportsSessions => true;

    public bool SendsDataOffMachine(string workspacePath) => !IsLoopback(Settings(workspacePath).BaseUrl);

    public async Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        if (LmStudioVision.CheckFiles(request.Files) is { } unsupported)
        {
            return unsupported;
        }

        var settings = Settings(request.WorkspacePath);
        var timeout = TimeSpan.FromMilliseconds(Math.Min(settings.TimeoutMs, request.Constraints.Timeout.TotalMilliseconds));
        using var client = _handler is null ? new HttpClient() : new HttpClient(_handler, disposeHandler: false);
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.BaseAddress = new Uri(settings.BaseUrl.TrimEnd('/') + "/");
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            var model = string.IsNullOrWhiteSpace(request.Model) || request.Model == "auto" ? null : request.Model!;
            if (model is null && request.Files.Count > 0)
            {
                // Pictures go to a vision model: lmstudio.visionModel, or a loaded one LM Studio lists as vlm.
                var (vision, notLoaded) = await LmStudioVision.ChooseModelAsync(client, settings.VisionModel,
                    () => settings.Model == "auto" ? FirstModelAsync(client, deadline.Token) : Task.FromResult(settings.Model), deadline.Token).ConfigureAwait(false);
                if (notLoaded is not null)
                {
                    return notLoaded;
                }

                model = vision!;
            }

            model ??= settings.Model == "auto" ? await FirstModelAsync(client, deadline.Token).ConfigureAwait(false) : settings.Model;

            // A session is the conversation so far, kept as messages.json in the artifacts of the run that last added to it.
            JsonArray messages;
            if (request.ResumeSession is { } session)
            {
                var earlier = Path.Combine(Path.GetDirectoryName(request.ArtifactDirectory)!, session, "messages.json");
                if (!SafeRunId(session) || !File.Exists(earlier))
                {
                    return Failed(ErrorIds.RunnerSessionNotFound, $"The conversation of run {session} is gone (no {earlier}). Run the task without -Continue for a fresh one.");
                }

                messages = JsonNode.Parse(await File.ReadAllTextAsync(earlier, deadline.Token).ConfigureAwait(false)) as JsonArray
                    ?? throw new FormatException($"{earlier} does not hold a JSON array of messages");
            }
            else
            {
                messages = [];
            }

            JsonNode userContent = request.Files.Count == 0 ? JsonValue.Create(request.Payload) : await LmStudioVision.ContentAsync(request.Payload, request.Files, deadline.Token).ConfigureAwait(false);
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = userContent });
            var body = new JsonObject
            {
                ["model"] = model,
                ["messages"] = messages.DeepClone(),
                ["max_tokens"] = settings.MaxTokens,
                ["stream"] = false,
            };
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await client.PostAsync("v1/chat/completions", content, deadline.Token).ConfigureAwait(false);
            var text = await response.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return Failed(ErrorIds.RunnerFailed, $"LM Studio answered {(int)response.StatusCode} {response.ReasonPhrase}: {Shorten(text)}");
            }

            var (answer, usage) = ReadAnswer(text, model);
            if (answer is null)
            {
                throw new FormatException($"the reply is not an OpenAI chat completion ({Shorten(text)})");
            }

            Directory.CreateDirectory(request.ArtifactDirectory);
            var artifact = Path.Combine(request.ArtifactDirectory, "answer.txt");
            AtomicFile.WriteAllText(artifact, answer);
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = answer });
            var conversation = Path.Combine(request.ArtifactDirectory, "messages.json");
            AtomicFile.WriteAllText(conversation, messages.ToJsonString());
            var cut = answer.Length > request.Constraints.MaxOutputBytes;
            return new RunnerResult
            {
                Status = RunStatuses.Succeeded,
                Output = cut ? answer[..(int)request.Constraints.MaxOutputBytes] : answer,
                OutputTruncated = cut,
                Artifacts = [artifact, conversation],
                Usage = usage,
                SessionId = Path.GetFileName(request.ArtifactDirectory),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new RunnerResult { Status = RunStatuses.Canceled, ErrorCode = ErrorIds.RunCanceled, ErrorMessage = "The request to LM Studio was canceled." };
        }
        catch (OperationCanceledException)
        {
            return new RunnerResult { Status = RunStatuses.TimedOut, ErrorCode = ErrorIds.RunnerTimedOut, ErrorMessage = $"LM Studio did not answer within {timeout.TotalSeconds:0.#} s (lmstudio.timeoutMs)." };
        }
        catch (HttpRequestException ex)
        {
            return Failed(ErrorIds.RunnerUnavailable, $"LM Studio is not reachable at {settings.BaseUrl} ({ex.Message}). Start its server (in LM Studio, or: lms server start), or set lmstudio.baseUrl.");
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return Failed(ErrorIds.RunnerOutputInvalid, $"LM Studio's reply could not be read: {ex.Message}");
        }
    }

    private static async Task<string> FirstModelAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("v1/models", cancellationToken).ConfigureAwait(false);
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET /v1/models answered {(int)response.StatusCode}: {Shorten(text)}");
        }

        using var document = JsonDocument.Parse(text);
        if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
        {
            foreach (var model in data.EnumerateArray())
            {
                if (model.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                {
                    return id.GetString()!;
                }
            }
        }

        throw new FormatException("LM Studio has no model loaded (GET /v1/models listed none); load one, or set lmstudio.model");
    }

    private static (string? Answer, Runs.RunUsage? Usage) ReadAnswer(string text, string model)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message", out var message) && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
        {
            long? Tokens(string name) => root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty(name, out var n) && n.TryGetInt64(out var v) ? v : null;
            var used = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : model;
            return (content.GetString(), new Runs.RunUsage { Model = used, InputTokens = Tokens("prompt_tokens"), OutputTokens = Tokens("completion_tokens"), Turns = 1 });
        }

        return (null, null);
    }

    private static bool SafeRunId(string id) => id.StartsWith("run_", StringComparison.Ordinal) && id.Length < 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private (string BaseUrl, string Model, string VisionModel, string? ApiKey, long TimeoutMs, long MaxTokens) Settings(string workspace)
    {
        var config = ConfigResolver.Resolve(new ConfigSources(_home, Directory.Exists(workspace) ? workspace : null));
        // A workspace that points lmstudio.baseUrl elsewhere gets the user's key only when the user trusts it (workspace.trusted);
        // a key the workspace set itself is its own to send.
        var key = config["lmstudio.apiKey"].Source == nameof(ConfigLayer.Workspace) || config.SecretsAllowedFor(Directory.Exists(workspace) ? workspace : null)
            ? config.GetString("lmstudio.apiKey")
            : null;
        return (config.GetString("lmstudio.baseUrl")!, config.GetString("lmstudio.model") ?? "auto", config.GetString("lmstudio.visionModel") ?? "auto", key,
            config.GetInt64("lmstudio.timeoutMs"), config.GetInt64("lmstudio.maxTokens"));
    }

    public static bool IsLoopback(string url)
        => Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.IsLoopback || uri.Host is "localhost" || (System.Net.IPAddress.TryParse(uri.Host, out var ip) && System.Net.IPAddress.IsLoopback(ip)));

    private static RunnerResult Failed(string code, string message) => new() { Status = RunStatuses.Failed, ErrorCode = code, ErrorMessage = message };

    private static string Shorten(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 200 ? flat : flat[..200] + "…";
    }
}
