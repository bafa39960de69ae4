using System.ComponentModel;
using System.Management.Automation.Host;
using Multiproc.Ipc;
using Multiproc.Pool;

namespace Multiproc.Worker;

/// <summary>The sink of a task run inline: its one item's result, read back from the wire form a worker sends. Not for use from scripts.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class InlineSink : ItemRecorder
{
    private readonly WireWriter _item = new(256);
    private bool? _endedNormally;

    internal InlineSink(PSHost host, string? hostPrefix) : base(host) => HostPrefix = hostPrefix;

    private protected override string? HostPrefix { get; }

    public override void ItemEnded(bool normally)
    {
        WriteItem(_item, 0);
        _endedNormally = normally;
    }

    /// <summary>The item's result; null when it never ended (a flow-control statement such as `exit` cut it short before its end was marked).</summary>
    internal (ItemResult Result, bool Normally)? Take()
    {
        if (_endedNormally is not { } normally) return null;
        var result = ChunkResults.ReadItems(new WireReader(_item.ToArray()), 1)[0].Result;
        return (result, normally);
    }
}
