using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using System.Text;

namespace Multiproc.Processes;

/// <summary>Captures what a scriptblock needs from its caller: `$using:` values, functions and modules.</summary>
/// <remarks>Shared by every cmdlet that runs a scriptblock in another process.</remarks>
internal static class ScriptCapture
{
    private const string UsingPrefix = "__MpUsing_";
    private const string InitializationUsingPrefix = "__MpInitUsing_";   // apart: an initialization script's functions may read theirs while tasks run

    // The rewrite depends on the text alone: a scriptblock literal in a loop (an -Async task per
    // iteration, say) is rewritten once. Its values are read anew at every call.
    private static readonly ConditionalWeakTable<Ast, Rewrite> s_rewrites = new(), s_initializationRewrites = new();

    /// <summary>
    /// Returns the scriptblock's text with each `$using:name` replaced by a plain variable, and the
    /// caller's value of each, read from <paramref name="callerState"/>.
    /// </summary>
    /// <param name="initialization">An initialization script's: its variables are named apart from a task's.</param>
    public static (string Script, Hashtable Values) RewriteUsing(ScriptBlock scriptBlock, SessionState callerState, bool initialization = false)
    {
        var rewrite = initialization
            ? s_initializationRewrites.GetValue(scriptBlock.Ast, ast => Rewrite.Of(ast, InitializationUsingPrefix))
            : s_rewrites.GetValue(scriptBlock.Ast, ast => Rewrite.Of(ast, UsingPrefix));
        var values = new UsingValues();
        foreach (var (name, local) in rewrite.Names)
        {
            // A drive-qualified name ($using:env:X) is read as PowerShell reads it; a variable must exist.
            if (!new VariablePath(name).IsDriveQualified && callerState.PSVariable.Get(name) is null)
                throw new MpUsingUndefinedException(
                    $"The scriptblock uses $using:{name}, but there is no variable '{name}' in this session. Set ${name} before the call (to $null if that is meant), or correct the name.",
                    name);
            values.Add(local, name, callerState.PSVariable.GetValue(name));
        }
        return (rewrite.Script, values);
    }

    /// <summary>A scriptblock's text with its `$using:` variables renamed, and each caller name with its new name.</summary>
    private sealed record Rewrite(string Script, (string Name, string Local)[] Names)
    {
        public static Rewrite Of(Ast ast, string prefix)
        {
            var text = ast.Extent.Text;
            int origin = ast.Extent.StartOffset;
            var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            var variables = ast.FindAll(a => a is UsingExpressionAst && !IsNestedCalls(a, ast), searchNestedScriptBlocks: true)
                .Select(a => UsingExpressionAst.ExtractUsingVariable((UsingExpressionAst)a))
                .OrderBy(v => v.Extent.StartOffset)
                .ToList();
            var rewritten = new StringBuilder(text.Length);
            int copied = 0;
            foreach (var variable in variables)
            {
                var name = variable.VariablePath.UserPath;   // `x` of $using:x, `env:X` of $using:env:X
                if (!names.TryGetValue(name, out var local))
                {
                    local = prefix + names.Count;
                    names[name] = local;
                }
                int start = variable.Extent.StartOffset - origin;
                rewritten.Append(text, copied, start - copied).Append("${").Append(local).Append('}');
                copied = variable.Extent.EndOffset - origin;
            }
            rewritten.Append(text, copied, text.Length - copied);
            return new Rewrite(StripBraces(rewritten.ToString(), ast), names.Select(n => (n.Key, n.Value)).ToArray());
        }
    }

    // Commands that run a scriptblock elsewhere and take its `$using:` values from where they are called.
    private static readonly HashSet<string> s_remoteRunners = new(StringComparer.OrdinalIgnoreCase)
    {
        "Invoke-MpPool", "Start-MpProcess", "New-MpPool", "Start-Job", "Start-ThreadJob", "Invoke-Command", "icm", "sajb",
    };
    private static readonly HashSet<string> s_forEach = new(StringComparer.OrdinalIgnoreCase) { "ForEach-Object", "%", "foreach" };   // with -Parallel

    /// <summary>
    /// True when <paramref name="node"/> is inside a scriptblock given to another such command within
    /// <paramref name="root"/> (a nested Invoke-MpPool, Start-Job, ForEach-Object -Parallel): that `$using:` is
    /// the nested call's, read from the task when it runs, as PowerShell's nested ForEach-Object -Parallel does.
    /// A `$using:` in any other nested scriptblock (`&amp; { }`, `ForEach-Object { }`) is this call's.
    /// </summary>
    private static bool IsNestedCalls(Ast node, Ast root)
    {
        for (var ast = node.Parent; ast is not null && ast != root; ast = ast.Parent)
        {
            if (ast is not ScriptBlockExpressionAst block) continue;
            var command = block.Parent as CommandAst ?? (block.Parent as CommandParameterAst)?.Parent as CommandAst;
            if (command is null || command.CommandElements[0] == block || IsCallback(command, block)) continue;
            var name = command.GetCommandName();
            if (name is null) continue;
            name = name[(name.LastIndexOf('\\') + 1)..];   // Multiproc\Invoke-MpPool is Invoke-MpPool
            if (s_remoteRunners.Contains(name)) return true;
            if (s_forEach.Contains(name) &&
                command.CommandElements.OfType<CommandParameterAst>().Any(p => p.ParameterName.Length >= 2 && "Parallel".StartsWith(p.ParameterName, StringComparison.OrdinalIgnoreCase)))
                return true;
        }
        return false;
    }

    // -Callback and -ErrorCallback run where the command is called: their `$using:` is the task's, read by this call.
    private static bool IsCallback(CommandAst command, ScriptBlockExpressionAst block)
    {
        var parameter = block.Parent as CommandParameterAst;
        if (parameter is null)
        {
            int at = command.CommandElements.IndexOf(block);
            parameter = at > 0 ? command.CommandElements[at - 1] as CommandParameterAst : null;
        }
        return parameter is { ParameterName: var name } && name.Length >= 2 &&
            ("Callback".StartsWith(name, StringComparison.OrdinalIgnoreCase) || "ErrorCallback".StartsWith(name, StringComparison.OrdinalIgnoreCase));
    }

    // A scriptblock literal's extent includes its braces; its body is what the child must run.
    private static string StripBraces(string text, Ast ast) =>
        ast.Parent is ScriptBlockExpressionAst && text.StartsWith('{') && text.EndsWith('}')
            ? text[1..^1]
            : text;

    /// <summary>A script file's text as a scriptblock (-FilePath), its path literal and relative to the caller's location.</summary>
    public static ScriptBlock ReadFile(string path, SessionState callerState)
    {
        var full = callerState.Path.GetUnresolvedProviderPathFromPSPath(path);
        if (!File.Exists(full))
            throw new MpInvalidArgumentException($"There is no script file '{full}'. Give -FilePath the path of a .ps1 file, or run a scriptblock instead.", path);
        try { return ScriptBlock.Create(File.ReadAllText(full)); }
        catch (ParseException e)
        {
            throw new MpInvalidArgumentException($"The script file '{full}' does not parse: {e.Message}", path, e);
        }
    }

    /// <summary>The definitions of the caller's named functions; a missing one fails with MpInvalidArgument.</summary>
    public static Hashtable Functions(IEnumerable<string>? names, SessionState callerState)
    {
        var functions = new Hashtable(StringComparer.OrdinalIgnoreCase);
        foreach (var name in names ?? Array.Empty<string>())
        {
            var function = callerState.InvokeCommand.GetCommand(name, CommandTypes.Function | CommandTypes.Filter) as FunctionInfo
                ?? throw new MpInvalidArgumentException(
                    $"There is no function '{name}' in this session to copy into the child. Define it first, or check the name given to -Function.",
                    name);
            functions[function.Name] = function.Definition;
        }
        return functions;
    }

    /// <summary>Module names as given; paths made absolute against the caller's location.</summary>
    public static string[] Modules(IEnumerable<string>? modules, SessionState callerState) =>
        (modules ?? Array.Empty<string>())
        .Select(m => IsPath(m, callerState) ? callerState.Path.GetUnresolvedProviderPathFromPSPath(m) : m)
        .ToArray();

    /// <summary>A name is a name (`Microsoft.PowerShell.Utility` too) unless it is written as a path or is one that exists.</summary>
    private static bool IsPath(string module, SessionState callerState) =>
        module.Contains('/') || module.Contains('\\') || module.StartsWith('.') ||
        Path.Exists(callerState.Path.GetUnresolvedProviderPathFromPSPath(module));

    /// <summary>The caller's environment with <paramref name="changes"/> applied: a $null value removes a variable.</summary>
    public static Dictionary<string, string> Environment(IDictionary? changes)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            environment[(string)entry.Key] = (string?)entry.Value ?? "";
        if (changes is not null)
            foreach (DictionaryEntry entry in changes)
            {
                var name = entry.Key.ToString()!;
                var value = entry.Value is PSObject p ? p.BaseObject : entry.Value;
                if (value is null) environment.Remove(name);
                else environment[name] = value.ToString()!;
            }
        return environment;
    }
}
