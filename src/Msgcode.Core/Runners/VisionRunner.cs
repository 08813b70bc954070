namespace Msgcode.Core.Runners;

/// <summary>
/// Image to text: the run's pictures and its prompt (the question; empty asks for a description and the picture's
/// text) go to LM Studio's vision model through the lmstudio runner. A separate kind so that a chat can ask for
/// "read this photo" without knowing which model LM Studio has loaded; the ocr entry does the same offline.
/// </summary>
public sealed class VisionRunner : IRunner, IPolicyAware
{
    private readonly LmStudioRunner _lmStudio;

    public VisionRunner(LmStudioRunner lmStudio)
    {
        _lmStudio = lmStudio;
    }

    public string Kind => "vision";

    public bool SendsDataOffMachine(string workspacePath) => _lmStudio.SendsDataOffMachine(workspacePath);

    public Task<RunnerResult> RunAsync(RunnerRequest request, CancellationToken cancellationToken)
    {
        if (request.Files.Count == 0)
        {
            return Task.FromResult(new RunnerResult
            {
                Status = RunStatuses.Failed,
                ErrorCode = Errors.ErrorIds.RunnerInputMissing,
                ErrorMessage = "The vision runner reads a picture, and none was given. Pass one: Invoke-MsgcodeRunner vision -File photo.png, or New-MsgcodeTask -Runner vision -File photo.png.",
            });
        }

        var question = string.IsNullOrWhiteSpace(request.Payload) ? LmStudioVision.DefaultQuestion : request.Payload;
        // No session: each picture is its own question (a continued conversation would send every earlier picture again).
        return _lmStudio.RunAsync(request with { Kind = "lmstudio", Payload = question, ResumeSession = null }, cancellationToken);
    }
}
