using System.ComponentModel;
using System.Management.Automation;

namespace Multiproc.Worker;

/// <summary>One chunk as a pool worker's loop script runs it. Not for use from scripts.</summary>
/// <param name="Mode">0: the chunk through the filter in one pipeline; 1: item by item through it, each with its arguments; 2: item by item through the task as written.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record ChunkRun(int CallId, TaskSink Sink, ScriptBlock Task, object?[] Items, object?[] Arguments, object?[]? ItemArguments, int Mode);
