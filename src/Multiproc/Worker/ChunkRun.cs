using System.Collections.Generic;
using System.ComponentModel;
using System.Management.Automation;

namespace Multiproc.Worker;

/// <summary>One chunk as a pool worker's loop script runs it. Not for use from scripts.</summary>
/// <param name="Mode">0: the chunk through the filter in one pipeline; 1: item by item through it, each with its arguments; 2: item by item through the task as written.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record ChunkRun(int CallId, TaskSink Sink, ScriptBlock Task, object?[] Items, object?[] Arguments, object?[]? ItemArguments, int Mode)
{
    /// <summary>No item after the running one starts: its call reached -MaxFailures, or an item is being stopped.</summary>
    public bool Drained => !Sink.MayStartItem();

    /// <summary>The items one by one, until the chunk is drained: what mode 0 pipes through the filter.</summary>
    public IEnumerable<object?> ItemsUntilDrained()
    {
        foreach (var item in Items)
        {
            if (!Sink.MayStartItem()) yield break;
            yield return item;
        }
    }
}
