namespace Multiproc.Platform;

/// <summary>What a child does to its own process.</summary>
internal interface IProcessControl
{
    /// <summary>Keeps a terminal's Ctrl+C, meant for its parent, from ending this child or its work (as Start-Job's are kept).</summary>
    void IgnoreTerminalInterrupt();

    /// <summary>Ends this process at once with <paramref name="exitCode"/>, once all it sent is out; returns it where that is not possible.</summary>
    int ExitNow(int exitCode);
}
