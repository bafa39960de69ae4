# Invoke-MpPool's progress bars (SPEC §10), as a runspace's progress stream records them.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # Runs a command in a runspace of its own and returns the progress records it wrote.
    function Get-ProgressRecord([string] $Command) {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddScript($Command).Invoke()
            $ps.HadErrors | Should -BeFalse -Because ($ps.Streams.Error -join "`n")
            @($ps.Streams.Progress)
        }
        finally { $ps.Dispose() }
    }
}

AfterAll {
    Remove-AllMpProcess
}

Describe 'Invoke-MpPool progress' {
    It 'shows a bar for the call and one under it per worker, with its input and how long it has run, then takes them down' {
        $records = Get-ProgressRecord '1..8 | Invoke-MpPool { Start-Sleep -Milliseconds 700; "done $_" } -Size 2 -ChunkSize 1'
        $call = @($records | Where-Object { $_.ParentActivityId -eq -1 -and $_.RecordType -eq 'Processing' })
        $call.Count | Should -BeGreaterThan 0 -Because 'a call of about three seconds shows its bar'
        $call[-1].StatusDescription | Should -Match '^\d+ of 8 done, \d+ failed, \d+ queued, [\d.]+ tasks/s$'
        $call[-1].PercentComplete | Should -BeGreaterThan 0
        $call[-1].SecondsRemaining | Should -BeGreaterOrEqual 0
        $id = $call[0].ActivityId
        $workers = @($records | Where-Object { $_.ParentActivityId -eq $id -and $_.RecordType -eq 'Processing' })
        ($workers.Activity | Sort-Object -Unique) | Should -HaveCount 2 -Because 'each of the two workers has its bar'
        $workers | ForEach-Object { $_.Activity | Should -Match '^Worker \d+$' }
        $workers | ForEach-Object { $_.StatusDescription | Should -Match '^input (\d): (\d), running [\d.]+ s$' }
        $workers | ForEach-Object { $null = $_.StatusDescription -match '^input (\d): (\d)'; [int]$Matches[2] | Should -Be ([int]$Matches[1] + 1) }
        $records[-1].ActivityId | Should -Be $id
        $records[-1].RecordType | Should -Be 'Completed'
        @($records | Where-Object { $_.ParentActivityId -eq $id -and $_.RecordType -eq 'Completed' }).Count | Should -BeGreaterOrEqual 2
    }

    It 'shows none with -NoProgress, or when $ProgressPreference hides it, nor for a quick call' {
        Get-ProgressRecord '1..4 | Invoke-MpPool { Start-Sleep -Milliseconds 700 } -Size 2 -ChunkSize 1 -NoProgress' | Should -BeNullOrEmpty
        Get-ProgressRecord '$ProgressPreference = ''SilentlyContinue''; 1..4 | Invoke-MpPool { Start-Sleep -Milliseconds 700 } -Size 2 -ChunkSize 1' | Should -BeNullOrEmpty
        Get-ProgressRecord '$p = New-MpPool -Size 2; 1..100 | Invoke-MpPool { $_ } -Pool $p; Stop-MpPool $p' | Should -BeNullOrEmpty
    }

    It 'shows the call''s bar inline' {
        $records = Get-ProgressRecord '1..4 | Invoke-MpPool { Start-Sleep -Milliseconds 500 } -Inline'
        @($records | Where-Object { $_.ParentActivityId -eq -1 -and $_.RecordType -eq 'Processing' }).Count | Should -BeGreaterThan 0
    }
}
