@{
    RootModule           = 'Multiproc.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b0f7a52-3c8e-4d47-9a51-2f7d0c6e9a13'
    Author               = 'Multiproc contributors'
    Copyright            = '(c) Multiproc contributors. MIT License.'
    Description          = "Python's multiprocessing for PowerShell: child processes, queues, pipes, shared state, locks and a process pool."
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Multiproc.Format.ps1xml')
    CmdletsToExport      = @(
        'Enter-MpLock'
        'Exit-MpLock'
        'Get-MpPool'
        'Get-MpProcess'
        'Invoke-MpPool'
        'New-MpBarrier'
        'New-MpDictionary'
        'New-MpEvent'
        'New-MpList'
        'New-MpLock'
        'New-MpManager'
        'New-MpPipe'
        'New-MpPool'
        'New-MpQueue'
        'New-MpSemaphore'
        'Receive-MpPipe'
        'Receive-MpProcess'
        'Receive-MpQueue'
        'Receive-MpTask'
        'Remove-MpProcess'
        'Send-MpPipe'
        'Send-MpQueue'
        'Start-MpProcess'
        'Stop-MpManager'
        'Stop-MpPool'
        'Stop-MpProcess'
        'Use-MpLock'
        'Wait-MpPool'
        'Wait-MpProcess'
        'Wait-MpTask'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('multiprocessing', 'parallel', 'process', 'pool', 'queue', 'ipc')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
