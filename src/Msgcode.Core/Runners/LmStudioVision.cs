using System.Text.Json;
using System.Text.Json.Nodes;
using Msgcode.Core.Errors;

namespace Msgcode.Core.Runners;

/// <summary>
/// Pictures for LM Studio: the user message as OpenAI content parts (the text, then each image as a data URL), and
/// the vision model to send them to. LM Studio's own REST API (<c>GET /api/v0/models</c>) tells a vision model
/// (<c>"type": "vlm"</c>) from a text one and a loaded one (<c>"state": "loaded"</c>) from one on disk; the
/// OpenAI-compatible <c>/v1/models</c> tells neither.
/// </summary>
public static class LmStudioVision
{
    /// <summary>What the vision runner asks when the prompt is empty.</summary>
    public const string DefaultQuestion = "Describe this image and transcribe any text in it.";

    /// <summary>A failure when any file is not a picture LM Studio takes (checked before anything is sent).</summary>
    public static RunnerResult? CheckFiles(IReadOnlyList<string> files)
    {
        foreach (var file in files)
        {
            if (RunnerFiles.ImageMediaType(file) is null)
            {
                return Failed(ErrorIds.RunnerInputUnsupported,
                    $"LM Studio takes pictures (png, jpg, gif, webp), not '{Path.GetFileName(file)}'; nothing was sent. Use the asr runner for audio, or a runner that reads files (claude, codex, opencode).");
            }

            if (!File.Exists(file))
            {
                return Failed(ErrorIds.RunnerInputMissing, $"The input file '{file}' does not exist; nothing was sent.");
            }
        }

        return null;
    }

    /// <summary>The user message's content: the prompt as a text part, then one image_url part per picture.</summary>
    public static async Task<JsonArray> ContentAsync(string prompt, IReadOnlyList<string> files, CancellationToken cancellationToken)
    {
        var parts = new JsonArray { new JsonObject { ["type"] = "text", ["text"] = prompt } };
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false);
            parts.Add(new JsonObject
            {
                ["type"] = "image_url",
                ["image_url"] = new JsonObject { ["url"] = $"data:{RunnerFiles.ImageMediaType(file)};base64,{Convert.ToBase64String(bytes)}" },
            });
        }

        return parts;
    }

    /// <summary>
    /// The model that reads the pictures: <paramref name="configured"/> (lmstudio.visionModel) when it is loaded, or for
    /// auto the first loaded vision model. A server without LM Studio's REST API (an older LM Studio, another
    /// OpenAI-compatible server) cannot say, so the named model, or <paramref name="fallback"/>, is used as it is.
    /// </summary>
    public static async Task<(string? Model, RunnerResult? Failure)> ChooseModelAsync(HttpClient client, string configured, Func<Task<string>> fallback, CancellationToken cancellationToken)
    {
        var models = await ListAsync(client, cancellationToken).ConfigureAwait(false);
        if (models is null)
        {
            return (configured != "auto" ? configured : await fallback().ConfigureAwait(false), null);
        }

        return Choose(models, configured);
    }

    /// <summary>The choice itself, from the entries of <c>/api/v0/models</c> (id, type, state).</summary>
    public static (string? Model, RunnerResult? Failure) Choose(IReadOnlyList<(string Id, string? Type, string? State)> models, string configured)
    {
        if (configured != "auto")
        {
            var named = models.FirstOrDefault(m => string.Equals(m.Id, configured, StringComparison.Ordinal));
            return named.Id is null
                ? (null, Failed(ErrorIds.VisionModelNotLoaded, $"LM Studio has no model '{configured}' (lmstudio.visionModel). Download it (lms get {configured}) and load it (lms load {configured}), or set lmstudio.visionModel auto."))
                : named.State is "loaded" ? (configured, null)
                : (null, Failed(ErrorIds.VisionModelNotLoaded, $"The vision model '{configured}' (lmstudio.visionModel) is not loaded in LM Studio. Load it: lms load {configured}"));
        }

        var vision = models.Where(m => m.Type == "vlm").ToList();
        if (vision.FirstOrDefault(m => m.State == "loaded") is { Id: not null } loaded)
        {
            return (loaded.Id, null);
        }

        return (null, Failed(ErrorIds.VisionModelNotLoaded, vision.Count > 0
            ? $"No vision model is loaded in LM Studio (it has {string.Join(", ", vision.Select(m => m.Id))}). Load one: lms load {vision[0].Id}"
            : "LM Studio has no vision model (a model of type vlm, such as qwen2-vl-7b-instruct). Download one (lms get qwen2-vl-7b-instruct), load it (lms load <model>), or use the ocr runner for an image's text."));
    }

    /// <summary>The models LM Studio lists at /api/v0/models, or null when the server has no such endpoint.</summary>
    private static async Task<List<(string Id, string? Type, string? State)>?> ListAsync(HttpClient client, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync("api/v0/models", cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var document = JsonDocument.Parse(text);
            if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            static string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return data.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object && Text(m, "id") is not null)
                .Select(m => (Text(m, "id")!, Text(m, "type"), Text(m, "state"))).ToList();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static RunnerResult Failed(string code, string message) => new() { Status = RunStatuses.Failed, ErrorCode = code, ErrorMessage = message };
}
