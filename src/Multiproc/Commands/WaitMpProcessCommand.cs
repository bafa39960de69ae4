using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace Multiproc.Commands;

/// <summary>Waits for processes to end, as Python's `join(timeout)`: a timeout returns quietly.</summary>
/// <remarks>Ctrl+C stops the processes it waits for, as Stop-MpProcess does: their pipelines stop (finally
/// blocks run), and what has not ended 5 seconds later is killed; nothing it waited for is left running.</remarks>
[Cmdlet(VerbsLifecycle.Wait, "MpProcess")]
[OutputType(typeof(MpProcess))]
public sealed class WaitMpProcessCommand : MpCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public MpProcess[] Process { get; set; } = null!;

    [Parameter]
    [ValidateRange(0.0, double.MaxValue)]
    public double Timeout { get; set; } = double.PositiveInfinity;

    /// <summary>Return when the first process ends instead of all of them.</summary>
    [Parameter]
    public SwitchParameter Any { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<MpProcess> _processes = new();

    protected override void ProcessRecord() => _processes.AddRange(Process);

    protected override void EndProcessing()
    {
        if (_processes.Count == 0) return;
        var ended = _processes.Select(p => p.Ended).ToArray();
        var all = Any ? Task.WhenAny(ended) : Task.WhenAll(ended);
        Timeouts.Wait(all, Timeouts.FromSeconds(Timeout), StopToken);
        if (StopToken.IsCancellationRequested)
        {
            // A second Ctrl+C kills what the first one's stop has not ended yet.
            var running = _processes.Where(p => !p.Ended.IsCompleted).Distinct().ToList();
            var secondPress = NextCtrlC;
            Task.WaitAll(running.Select(p => Task.Run(() => p.Stop(force: false, secondPress))).ToArray());
            if (secondPress.IsCancellationRequested) foreach (var process in running) process.Kill();
            return;
        }
        if (PassThru)
            foreach (var process in _processes.Where(p => p.Ended.IsCompleted)) WriteObject(process);
    }
}
