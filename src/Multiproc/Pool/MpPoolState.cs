namespace Multiproc;

/// <summary>Where an MpPool is in its life.</summary>
public enum MpPoolState
{
    /// <summary>Takes tasks.</summary>
    Open,
    /// <summary>Wait-MpPool closed it to new tasks; those it has go on.</summary>
    Closing,
    /// <summary>Every task finished and every callback ran; the workers have exited.</summary>
    Closed,
    /// <summary>Stop-MpPool killed its workers; what was queued or running failed with MpPoolClosed.</summary>
    Stopped,
    /// <summary>Ctrl+C on Wait-MpPool: its running tasks are being stopped, and then it is Stopped.</summary>
    Stopping,
}
