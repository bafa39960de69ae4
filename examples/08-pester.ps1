# How to test code that uses Multiproc with Pester: turn on inline mode, and every task runs one after
# another in the test's own runspace, where Pester's Mock reaches it (SPEC §10). Get-FolderHash below is
# the code under test; 08-pester.Tests.ps1 beside this file mocks the Get-FileHash its tasks call.
# Run as a script, this file runs those tests (it needs Pester 5 or later: Install-Module Pester).
param([switch] $DefineOnly)

# Hashes a folder's files on a pool of two workers.
function Get-FolderHash([string] $Path) {
    Get-ChildItem -LiteralPath $Path -File | Invoke-MpPool {
        [pscustomobject]@{ Name = $_.Name; Hash = (Get-FileHash -LiteralPath $_.FullName).Hash }
    } -Size 2
}

if ($DefineOnly) { return }   # dot-sourced by the tests: the function is all they need
if (-not (Get-Module Pester)) { Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop }
$result = Invoke-Pester -Path (Join-Path $PSScriptRoot '08-pester.Tests.ps1') -Output Detailed -PassThru
"$($result.PassedCount) passed, $($result.FailedCount) failed"
