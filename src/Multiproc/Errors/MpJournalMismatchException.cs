using System;
using System.Management.Automation;

namespace Multiproc;

/// <summary>Invoke-MpPool -Resume was given a journal written for a different list of inputs.</summary>
public sealed class MpJournalMismatchException : MpException
{
    public MpJournalMismatchException(string message, object? target = null, Exception? inner = null)
        : base(message, "MpJournalMismatch", ErrorCategory.InvalidData, target, inner) { }
}
