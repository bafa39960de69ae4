using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Management.Automation;

namespace Multiproc.Worker;

/// <summary>
/// Carries a child's or a pool task's Write-Progress to its caller, who shows it (SPEC §3, §8). Not for use
/// from scripts.
/// </summary>
/// <remarks>
/// Progress goes straight to a process's own host, which a nested pipeline cannot redirect, so a child
/// defines Write-Progress as a function that hands the record here; the child's job or the worker's
/// running item sends it on. A bar updated in a tight loop is sent ten times a second at most: the caller
/// draws no faster, and the connection carries results. Its last state is sent when it completes.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ProgressRelay
{
    private static readonly long MinimumTicks = 100;   // milliseconds between two updates of one bar
    private static readonly Dictionary<int, long> s_lastSent = new();   // activity id → when; pipeline thread only

    /// <summary>Where records go: the job's or the running chunk's connection to the parent; null drops them.</summary>
    internal static Action<ProgressRecord>? Target { get; set; }

    /// <summary>A new item starts: its first update of a bar goes at once, whatever the last item sent.</summary>
    internal static void NextItem() => s_lastSent.Clear();

    /// <summary>
    /// Write-Progress in a child: its parameters as a record, sent on unless too soon after the last of its bar.
    /// </summary>
    public static void Send(int id, int parentId, string? activity, string? status, string? operation, int percent, int secondsRemaining, bool completed)
    {
        if (Target is not { } target) return;
        long now = Environment.TickCount64;
        if (!completed && s_lastSent.TryGetValue(id, out var last) && now - last < MinimumTicks) return;
        s_lastSent[id] = now;
        if (completed) s_lastSent.Remove(id);
        var record = new ProgressRecord(id, string.IsNullOrEmpty(activity) ? " " : activity, string.IsNullOrEmpty(status) ? "Processing" : status)
        {
            ParentActivityId = parentId,
            PercentComplete = Math.Clamp(percent, -1, 100),
            SecondsRemaining = secondsRemaining,
            RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        if (!string.IsNullOrEmpty(operation)) record.CurrentOperation = operation;
        target(record);
    }

    /// <summary>The Write-Progress a child defines in its global scope: the cmdlet's parameters, handed to <see cref="Send"/>.</summary>
    internal const string Function = @"
[CmdletBinding()]
param(
    [Parameter(Position = 0)] [string] $Activity,
    [Parameter(Position = 1)] [string] $Status,
    [Parameter(Position = 2)] [ValidateRange(0, 2147483647)] [int] $Id = 0,
    [ValidateRange(-1, 100)] [int] $PercentComplete = -1,
    [int] $SecondsRemaining = -1,
    [string] $CurrentOperation,
    [ValidateRange(-1, 2147483647)] [int] $ParentId = -1,
    [switch] $Completed,
    [int] $SourceId
)
if ($ProgressPreference -in 'SilentlyContinue', 'Ignore') { return }
[Multiproc.Worker.ProgressRelay]::Send($Id, $ParentId, $Activity, $Status, $CurrentOperation, $PercentComplete, $SecondsRemaining, $Completed.IsPresent)
";
}
