using System;
using System.Linq;
using System.Management.Automation;
using Multiproc.Worker;

namespace Multiproc.Commands;

/// <summary>Lists the session's child processes, running and ended, until they are removed.</summary>
[Cmdlet(VerbsCommon.Get, "MpProcess", DefaultParameterSetName = ByName)]
[OutputType(typeof(MpProcess))]
public sealed class GetMpProcessCommand : MpCmdlet
{
    private const string ByName = "Name";
    private const string ById = "Id";
    private const string Self = "Current";

    [Parameter(Position = 0, ParameterSetName = ByName, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ById, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public int[] Id { get; set; } = null!;

    [Parameter(ParameterSetName = ByName)]
    [Parameter(ParameterSetName = ById)]
    public MpProcessState? State { get; set; }

    /// <summary>Only processes whose HasMoreData is this, as Get-Job -HasMoreData.</summary>
    [Parameter(ParameterSetName = ByName)]
    [Parameter(ParameterSetName = ById)]
    public bool HasMoreData { get; set; }

    /// <summary>Only processes that ended before this time, as Get-Job -Before.</summary>
    [Parameter(ParameterSetName = ByName)]
    [Parameter(ParameterSetName = ById)]
    public DateTime Before { get; set; }

    /// <summary>Only processes that ended after this time, as Get-Job -After.</summary>
    [Parameter(ParameterSetName = ByName)]
    [Parameter(ParameterSetName = ById)]
    public DateTime After { get; set; }

    /// <summary>Inside a child: its own process, with ParentId (Python's current_process()).</summary>
    [Parameter(Mandatory = true, ParameterSetName = Self)]
    public SwitchParameter Current { get; set; }

    protected override void ProcessRecord()
    {
        if (Current)
        {
            if (WorkerMain.Current is { } self) WriteObject(self);
            else WriteError(new MpProcessNotFoundException(
                "This session is not a Multiproc child, so it has no current MpProcess. Use -Current inside Start-MpProcess's scriptblock.",
                System.Environment.ProcessId));
            return;
        }
        var all = Session.Current.Processes.Snapshot();
        if (Id is not null)
        {
            foreach (var id in Id)
                WriteMatches(all.Where(p => p.Id == id).ToArray(), $"id {id}", id);
        }
        else if (Name is not null)
        {
            foreach (var name in Name)
            {
                var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase);
                WriteMatches(all.Where(p => pattern.IsMatch(p.Name)).ToArray(), $"name '{name}'", name);
            }
        }
        else
        {
            WriteObject(all.Where(Selected), enumerateCollection: true);
        }
    }

    private bool Selected(MpProcess p)
    {
        var bound = MyInvocation.BoundParameters;
        var ended = p.EndTime;
        return (State is null || p.State == State)
            && (!bound.ContainsKey(nameof(HasMoreData)) || p.HasMoreData == HasMoreData)
            && (!bound.ContainsKey(nameof(Before)) || ended < Before)
            && (!bound.ContainsKey(nameof(After)) || ended > After);
    }

    /// <summary>Those of <paramref name="matches"/> the filters select; an id or name that matches no process at all is an error, as for Get-Job.</summary>
    private void WriteMatches(MpProcess[] matches, string what, object target)
    {
        if (matches.Length == 0)
            WriteError(new MpProcessNotFoundException(
                $"No Multiproc process with {what} is in this session. Run Get-MpProcess to list them.",
                target));
        else
            WriteObject(matches.Where(Selected), enumerateCollection: true);
    }
}
