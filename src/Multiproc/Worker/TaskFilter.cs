using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Multiproc.Worker;

/// <summary>Turns a pool task's scriptblock into one a chunk of items can be piped through, one item at a time.</summary>
/// <remarks>
/// `{ $_ + 1 }` is an end block; wrapped as a process block, a whole chunk runs as one pipeline at about a
/// microsecond an item, where a pipeline per item costs tens. The try/finally around each item tells the
/// <see cref="TaskSink"/> where an item's output ends and catches what it throws, so the next item goes on.
/// A scriptblock with begin, process or dynamicparam blocks of its own runs once per item instead.
/// </remarks>
internal static class TaskFilter
{
    /// <summary>The scriptblock to run and whether it must run once per item.</summary>
    /// <exception cref="ParseException">The script does not parse.</exception>
    public static (ScriptBlock Task, bool PerItem) Compile(string script)
    {
        var ast = Parser.ParseInput(script, out _, out var errors);
        if (errors.Length > 0) throw new ParseException(errors);
        var end = ast.EndBlock;
        if (ast.BeginBlock is not null || ast.ProcessBlock is not null || ast.DynamicParamBlock is not null ||
            end is null || !end.Unnamed || end.Traps is { Count: > 0 })
            return (ScriptBlock.Create(script), true);
        var body = end.Statements.Count == 0
            ? ""
            : script[end.Statements[0].Extent.StartOffset..end.Statements[^1].Extent.EndOffset];
        var usings = string.Join("\n", ast.UsingStatements.Select(u => u.Extent.Text));
        var param = ast.ParamBlock?.Extent.Text ?? "";
        // A `return` would leave the filter's process block as `exit` does, before the item is marked as
        // ended normally: such a task runs once per item, as a process block, where `return` ends only it.
        if (end.Find(a => a is ReturnStatementAst, searchNestedScriptBlocks: false) is not null)
            return (ScriptBlock.Create($"{usings}\n{param}\nprocess {{\n{body}\n}}"), true);
        // $__MpEnded is set only when the body ran to its end or threw: `exit` (or `break`) skips it.
        var filter = $"{usings}\n{param}\nprocess {{ $__MpEnded = $false; try {{\n{body}\n$__MpEnded = $true }} catch {{ $__MpSink.ItemFailed($_); $__MpEnded = $true }} finally {{ $__MpSink.ItemEnded($__MpEnded) }} }}";
        return (ScriptBlock.Create(filter), false);
    }
}
