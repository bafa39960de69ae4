using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Runtime.CompilerServices;
using Multiproc.Worker;

namespace Multiproc.Processes;

/// <summary>
/// The two common mistakes of a scriptblock that runs in another process, found in its syntax tree: it
/// reads a variable of the caller without `$using:` (in the worker it is $null), or calls a function of the
/// caller not given with -Function ("not recognized" there). Each is a warning, once per call, naming the fix.
/// </summary>
internal static class MissedCaptures
{
    /// <summary>What a script reads but never sets and calls but never defines; and what it sets and defines.</summary>
    private sealed record Names(string[] Reads, string[] Calls, HashSet<string> Sets, HashSet<string> Defines);

    private static readonly ConditionalWeakTable<Ast, Names> s_names = new();
    private static readonly ConditionalWeakTable<string, Names> s_setupNames = new();   // by a pool's set-up text, which it keeps

    // Variables every pwsh has (automatic and preference variables): reading them is no mistake.
    private static readonly HashSet<string> s_everywhere = new(StringComparer.OrdinalIgnoreCase)
    {
        "$", "?", "^", "_", "args", "ConsoleFileName", "EnabledExperimentalFeatures", "Error", "Event", "EventArgs",
        "EventSubscriber", "ExecutionContext", "false", "foreach", "HOME", "Host", "input", "IsCoreCLR", "IsLinux",
        "IsMacOS", "IsWindows", "LASTEXITCODE", "Matches", "MyInvocation", "NestedPromptLevel", "null", "PID", "PROFILE",
        "PSBoundParameters", "PSCmdlet", "PSCommandPath", "PSCulture", "PSDebugContext", "PSEdition", "PSHOME", "PSItem",
        "PSScriptRoot", "PSSenderInfo", "PSUICulture", "PSVersionTable", "PWD", "Sender", "ShellId", "StackTrace",
        "switch", "this", "true", "ErrorView", "FormatEnumerationLimit", "MaximumHistoryCount", "OFS", "OutputEncoding",
        "PSDefaultParameterValues", "PSEmailServer", "PSModuleAutoLoadingPreference", "PSNativeCommandArgumentPassing",
        "PSNativeCommandUseErrorActionPreference", "PSSessionApplicationName", "PSSessionConfigurationName",
        "PSSessionOption", "PSStyle", "Transcript",
    };

    /// <summary>The warnings for <paramref name="script"/> run elsewhere from <paramref name="caller"/>, after <paramref name="setup"/>.</summary>
    public static IEnumerable<string> Warnings(ScriptBlock script, SessionState caller, InlineRunner.Setup setup)
    {
        var task = s_names.GetValue(script.Ast, Find);
        var setUp = setup.Script.Length == 0 ? null : s_setupNames.GetValue(setup.Script, text => Find(Parser.ParseInput(text, out _, out _)));
        var variables = task.Reads
            .Where(name => setUp?.Sets.Contains(name) != true && caller.PSVariable.Get(name) is { } variable && IsUsers(variable))
            .ToArray();
        if (variables.Length > 0)
            yield return $"The scriptblock reads {List(variables, "$")}, which it never sets: in the other process {(variables.Length == 1 ? "it is" : "they are")} $null. " +
                $"To use this session's value, write {List(variables, "$using:")}.";
        var functions = task.Calls
            .Where(name => !setup.Functions.ContainsKey(name) && setUp?.Defines.Contains(name) != true)
            .Where(name => IsSessionFunction(caller, name))
            .ToArray();
        if (functions.Length > 0)
            yield return $"The scriptblock calls {List(functions, "")}, {(functions.Length == 1 ? "a function" : "functions")} of this session that the other process does not have. " +
                $"Give {(functions.Length == 1 ? "it" : "them")} with -Function {string.Join(", ", functions)}.";
    }

    // Through the Function: drive (~5 µs): command discovery would search the modules for every cmdlet the script calls (~1.4 ms each).
    private static bool IsSessionFunction(SessionState caller, string name)
    {
        string path = @"Function:\" + name;
        try
        {
            return caller.InvokeProvider.Item.Exists(path, force: false, literalPath: true) &&
                   caller.InvokeProvider.Item.Get([path], force: false, literalPath: true) is [{ BaseObject: FunctionInfo { Module: null } }];
        }
        catch (Exception e) when (e is ProviderNotFoundException or DriveNotFoundException or ItemNotFoundException or NotSupportedException) { return false; }   // a restricted session
    }

    private static string List(string[] names, string prefix) => string.Join(", ", names.Select(n => prefix + n));

    // A variable the user made (not a constant, not one every session has) and that holds something.
    private static bool IsUsers(PSVariable variable) =>
        (variable.Options & (ScopedItemOptions.Constant | ScopedItemOptions.ReadOnly | ScopedItemOptions.AllScope)) == 0 &&
        !variable.Name.EndsWith("Preference", StringComparison.OrdinalIgnoreCase) && !s_everywhere.Contains(variable.Name) &&
        variable.Value is not null;

    private static Names Find(Ast root)
    {
        var all = root.FindAll(_ => true, searchNestedScriptBlocks: true).ToList();
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var ast in all)
        {
            switch (ast)
            {
                case AssignmentStatementAst assignment:
                    foreach (var target in assignment.Left.FindAll(a => a is VariableExpressionAst, false)) set.Add(NameOf((VariableExpressionAst)target));
                    break;
                case ForEachStatementAst loop: set.Add(NameOf(loop.Variable)); break;
                case ParameterAst parameter: set.Add(NameOf(parameter.Name)); break;
            }
        }
        var read = all.OfType<VariableExpressionAst>()
            .Where(v => !v.VariablePath.IsDriveQualified && v.VariablePath.IsUnqualified && !IsUsing(v))
            .Select(NameOf).Where(name => !set.Contains(name))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var defined = all.OfType<FunctionDefinitionAst>().Select(f => f.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var called = all.OfType<CommandAst>().Select(c => c.GetCommandName()).OfType<string>()
            .Where(name => !defined.Contains(name))
            .Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        return new Names(read, called, set, defined);
    }

    private static string NameOf(VariableExpressionAst variable) => variable.VariablePath.UserPath;

    // `$using:x`, and `$using:x.Length` too, where the parser puts the member access inside the using expression.
    private static bool IsUsing(VariableExpressionAst variable)
    {
        for (var ast = variable.Parent; ast is not null and not ScriptBlockAst; ast = ast.Parent)
            if (ast is UsingExpressionAst) return true;
        return false;
    }
}
