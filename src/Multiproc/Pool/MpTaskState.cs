namespace Multiproc;

/// <summary>Where an MpTask is in its life.</summary>
public enum MpTaskState
{
    /// <summary>Queued or running.</summary>
    Pending,
    /// <summary>Ran to its end without a terminating error.</summary>
    Completed,
    /// <summary>Threw, timed out, or its worker was lost; GetResult() throws its error.</summary>
    Failed,
}
