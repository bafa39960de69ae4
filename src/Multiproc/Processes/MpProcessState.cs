namespace Multiproc;

/// <summary>Where a Multiproc child process is in its life.</summary>
public enum MpProcessState
{
    /// <summary>Started and not yet ended.</summary>
    Running,
    /// <summary>The scriptblock finished and the process exited with code 0.</summary>
    Completed,
    /// <summary>The scriptblock threw, the process exited non-zero, or it was killed from outside.</summary>
    Failed,
    /// <summary>Ended by Stop-MpProcess.</summary>
    Stopped,
}
