using System;
using System.IO;

namespace Multiproc;

/// <summary>Process-wide knobs: `[Multiproc.MpSettings]::StandbyCount = 0`.</summary>
public static class MpSettings
{
    private static long s_maxMessageBytes = 1L << 30;
    private static int s_standbyCount = ReadStandbyCount();

    /// <summary>Largest message the wire carries, in bytes (default 1 GiB); a larger value fails with MpSerialization.</summary>
    public static long MaxMessageBytes
    {
        get => s_maxMessageBytes;
        set => s_maxMessageBytes = value >= 1024 && value <= Array.MaxLength
            ? value
            : throw new MpInvalidArgumentException($"MaxMessageBytes must be between 1024 and {Array.MaxLength}.", value);
    }

    /// <summary>How many warm standby processes to keep ready after the first start (default 1; 0 turns it off).</summary>
    /// <remarks>Also read from the environment variable MULTIPROC_STANDBY at load.</remarks>
    public static int StandbyCount
    {
        get => s_standbyCount;
        set
        {
            s_standbyCount = value is >= 0 and <= 64
                ? value
                : throw new MpInvalidArgumentException("StandbyCount must be between 0 and 64.", value);
            Processes.Standby.Trim(value);
        }
    }

    private static int s_serializationDepth = 2;

    /// <summary>CliXml depth for values that are not on the typed fast path (default 2, as Start-Job; 1 to 100).</summary>
    public static int SerializationDepth
    {
        get => s_serializationDepth;
        set => s_serializationDepth = value is >= 1 and <= 100
            ? value
            : throw new MpInvalidArgumentException("SerializationDepth must be between 1 and 100.", value);
    }

    private static bool s_inline;

    /// <summary>
    /// Inline mode for every Invoke-MpPool and Start-MpProcess (default off): tasks run one after another in
    /// the calling runspace, where Pester's mocks and the debugger reach them. Also on while the environment
    /// variable MULTIPROC_INLINE is 1 or true.
    /// </summary>
    public static bool Inline
    {
        get => s_inline || IsSet(Environment.GetEnvironmentVariable("MULTIPROC_INLINE"));
        set => s_inline = value;
    }

    private static bool s_portable = !Platform.Os.HasNativePaths || IsSet(Environment.GetEnvironmentVariable("MULTIPROC_PORTABLE"));

    /// <summary>
    /// The portable paths, built on .NET alone (SPEC section 12): always on where the native ones do not
    /// run (anywhere but Linux on x64 or arm64); on Linux when set, or when the environment variable
    /// MULTIPROC_PORTABLE was 1 or true at load. Children start in their parent's mode.
    /// </summary>
    public static bool Portable
    {
        get => s_portable;
        set => s_portable = value || Platform.Os.HasNativePaths
            ? value
            : throw new MpInvalidArgumentException("This system has only the portable paths: the native ones need Linux on x64 or arm64.", value);
    }

    private static bool IsSet(string? value) => value == "1" || "true".Equals(value, StringComparison.OrdinalIgnoreCase);

    /// <summary>The pwsh that children run: $env:MULTIPROC_PWSH, else the pwsh in $PSHOME.</summary>
    internal static string PwshPath =>
        Environment.GetEnvironmentVariable("MULTIPROC_PWSH") is { Length: > 0 } custom
            ? custom
            : Path.Combine(Path.GetDirectoryName(typeof(System.Management.Automation.PSObject).Assembly.Location)!,
                OperatingSystem.IsWindows() ? "pwsh.exe" : "pwsh");

    private static int ReadStandbyCount() =>
        int.TryParse(Environment.GetEnvironmentVariable("MULTIPROC_STANDBY"), out var n) && n is >= 0 and <= 64 ? n : 1;
}
