using System;
using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;

namespace Multiproc.Remote;

/// <summary>A host named to New-MpPool -HostName, and how to reach it over SSH.</summary>
/// <param name="HostName">The name as given, without a user or port: what the pool shows and records carry.</param>
internal sealed record HostAddress(string HostName, string? UserName, string? KeyFilePath, int Port, Hashtable Options)
{
    /// <summary>"[user@]host[:port]", as New-PSSession -HostName takes it; the parts written there win over the parameters.</summary>
    public static HostAddress Parse(string target, string? userName, string? keyFilePath, int port, Hashtable? options)
    {
        var rest = target.Trim();
        int at = rest.LastIndexOf('@');
        if (at > 0)
        {
            userName = rest[..at];
            rest = rest[(at + 1)..];
        }
        int colon = rest.LastIndexOf(':');
        bool bracketed = rest.StartsWith('[');
        if (colon > 0 && (bracketed ? rest[colon - 1] == ']' : rest.IndexOf(':') == colon))
        {
            if (!int.TryParse(rest[(colon + 1)..], out port) || port is < 1 or > 65535)
                throw new MpInvalidArgumentException($"'{target}' names port '{rest[(colon + 1)..]}', which is not a port number (1 to 65535). Write the host as host or host:port.", target);
            rest = rest[..colon];
        }
        if (bracketed) rest = rest.Trim('[', ']');
        if (rest.Length == 0)
            throw new MpInvalidArgumentException($"'{target}' names no host. Write the host as host, user@host or host:port.", target);
        // Never a prompt mid-run: a host that would ask for a password or about an unknown key fails now.
        var sshOptions = new Hashtable(StringComparer.OrdinalIgnoreCase) { ["BatchMode"] = "yes", ["ConnectTimeout"] = "15" };
        if (options is not null) foreach (DictionaryEntry option in options) sshOptions[option.Key] = option.Value;
        return new HostAddress(rest, userName, keyFilePath, port, sshOptions);
    }

    /// <summary>Opens a session to the host with its `powershell` SSH subsystem.</summary>
    /// <exception cref="MpHostUnreachableException">It could not be opened.</exception>
    public Runspace Open()
    {
        // SSHConnectionInfo is PowerShell 7's; this module compiles against the 5.1 reference assemblies.
        var type = typeof(PSObject).Assembly.GetType("System.Management.Automation.Runspaces.SSHConnectionInfo", throwOnError: true)!;
        var info = (RunspaceConnectionInfo)Activator.CreateInstance(type, UserName, HostName, KeyFilePath, Port, "powershell", 30_000, Options)!;
        var runspace = RunspaceFactory.CreateRunspace(info);
        try
        {
            runspace.Open();
            return runspace;
        }
        catch (Exception e) when (e is RuntimeException or TargetInvocationException)
        {
            runspace.Dispose();
            throw new MpHostUnreachableException(
                $"Could not reach host '{HostName}'{(Port > 0 ? $" on port {Port}" : "")} over SSH: {(e is TargetInvocationException { InnerException: { } inner } ? inner.Message : e.Message)} " +
                "Check that it runs sshd with PowerShell's `powershell` subsystem, and that this user logs in there with a key and no prompt (ssh -o BatchMode=yes).",
                HostName, e);
        }
    }
}
