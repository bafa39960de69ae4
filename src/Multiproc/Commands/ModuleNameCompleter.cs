using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Multiproc.Commands;

/// <summary>Tab completion for -Module: the modules on $env:PSModulePath by name, and files when the word is a path.</summary>
internal sealed class ModuleNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        var word = wordToComplete.Trim('\'', '"');
        if (word.Contains('/') || word.Contains('\\') || word.StartsWith('.'))
            return CompletionCompleters.CompleteFilename(wordToComplete);
        return (Environment.GetEnvironmentVariable("PSModulePath") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateDirectories(folder, word + "*"))
            .Select(Path.GetFileName)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase)
            .Select(name => new CompletionResult(name!, name!, CompletionResultType.ParameterValue, name!));
    }
}
