using System.Linq;
using System.Management.Automation;
using Multiproc.Pool;

namespace Multiproc.Commands;

/// <summary>Lists the session's pools that have not ended, with their counters.</summary>
[Cmdlet(VerbsCommon.Get, "MpPool")]
[OutputType(typeof(MpPool))]
public sealed class GetMpPoolCommand : MpCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    protected override void ProcessRecord()
    {
        var pools = PoolTable.Snapshot();
        if (Name is null)
        {
            WriteObject(pools, enumerateCollection: true);
            return;
        }
        foreach (var name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            var found = pools.Where(p => pattern.IsMatch(p.Name)).ToArray();
            if (found.Length == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
                WriteError(new MpPoolNotFoundException($"There is no pool named '{name}' in this session. Get-MpPool lists them.", name));
            WriteObject(found, enumerateCollection: true);
        }
    }
}
