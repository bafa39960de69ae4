# Invoke-MpPool -Journal and -Resume (SPEC §10): a run killed midway goes on where it stopped.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # The task of every run here: logs each run of an input to $using:log (appends of a line are whole
    # however many workers append at once), and outputs two objects; every 50th input fails.
    $script:Task = {
        [System.IO.File]::AppendAllText($using:log, "$_`n")
        Start-Sleep -Milliseconds 15
        if ($_ % 50 -eq 7) { throw "input $_ fails" }
        "out $_"
        [pscustomobject]@{ N = $_; Square = $_ * $_ }
    }

    # The journal's lines, each parsed; fails the test on a line that is not whole JSON.
    function Read-Journal([string] $Path) {
        foreach ($line in Get-Content $Path) { $line | ConvertFrom-Json -ErrorAction Stop }
    }

    # Output in a form two runs can be compared by, in order.
    function Format-Output($Output) { $Output | ForEach-Object { $_ | ConvertTo-Json -Compress } }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
}

Describe 'Invoke-MpPool -Journal' {
    It 'writes one line per input: its index, the hash of its input, success or the error id, and its output' {
        $log = Join-Path $TestDrive 'runs-lines.log'
        $journal = Join-Path $TestDrive 'lines.jsonl'
        $null = 1..10 | Invoke-MpPool $script:Task -Size 2 -Journal $journal -ErrorAction SilentlyContinue
        $lines = @(Read-Journal $journal)
        $lines | Should -HaveCount 10
        ($lines.index | Sort-Object) | Should -Be (0..9)
        $lines | Where-Object index -EQ 6 | ForEach-Object result | Should -Be 'input 7 fails'
        @($lines | Where-Object result -EQ 'success') | Should -HaveCount 9
        $lines.hash | Sort-Object -Unique | Should -HaveCount 10
        $lines[0].hash | Should -Match '^[0-9A-F]{64}$'
        $lines[0].output | Should -Not -BeNullOrEmpty
    }

    It 'starts a new journal without -Resume' {
        $log = Join-Path $TestDrive 'runs-new.log'
        $journal = Join-Path $TestDrive 'new.jsonl'
        'not a journal' | Set-Content $journal
        $null = 1..3 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        @(Read-Journal $journal) | Should -HaveCount 3
    }

    It 'refuses -Resume without -Journal and -Journal with -Async' {
        { 1 | Invoke-MpPool { $_ } -Resume } | Should -Throw -ErrorId 'MpInvalidArgument,*'
        $pool = New-MpPool -Size 1
        { 1 | Invoke-MpPool { $_ } -Pool $pool -Async -Journal (Join-Path $TestDrive 'x.jsonl') } | Should -Throw -ErrorId 'MpInvalidArgument,*'
        Stop-MpPool $pool
    }
}

Describe 'Invoke-MpPool -Resume' {
    It 'goes on after its session was killed with SIGKILL midway: same output as an uninterrupted run, no succeeded input run twice' {
        $inputs = 1..200
        # The run as it goes when nothing happens to it.
        $log = Join-Path $TestDrive 'runs-whole.log'
        $whole = $inputs | Invoke-MpPool $script:Task -Size 2 -Journal (Join-Path $TestDrive 'whole.jsonl') -ErrorAction SilentlyContinue

        # The same run in a session of its own, killed once a third of its inputs have their line.
        $journal = Join-Path $TestDrive 'killed.jsonl'
        $killedLog = Join-Path $TestDrive 'runs-killed.log'
        $session = "Import-Module '$script:ModulePath'; `$log = '$killedLog'; " +
                   "`$null = 1..200 | Invoke-MpPool { $script:Task } -Size 2 -Journal '$journal' -ErrorAction SilentlyContinue"
        $sessionFile = Join-Path $TestDrive 'session.ps1'
        Set-Content $sessionFile $session
        $killed = Start-Process $script:Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $sessionFile -PassThru
        try {
            Wait-Until { (Test-Path $journal) -and @(Get-Content $journal).Count -ge 66 } -TimeoutSeconds 120 -Because 'a third of the run'
            Stop-Process -Id $killed.Id -Force   # SIGKILL: no finally, no flush
            $killed.WaitForExit()
        }
        finally { Stop-Process -Id $killed.Id -Force -ErrorAction Ignore }
        # Its workers go with it; until they have, one may still add a line.
        Wait-Until { @(Get-ChildProcessId $killed.Id).Count -eq 0 } -TimeoutSeconds 30 -Because 'the killed session''s workers to go'
        $before = @(Read-Journal $journal)
        $before.Count | Should -BeLessThan 200 -Because 'the kill came midway'
        $succeeded = @($before | Where-Object result -EQ 'success' | ForEach-Object { $_.index + 1 })

        # Resumed here: what succeeded is not run again, and its recorded output comes out in its place.
        $log = Join-Path $TestDrive 'runs-resumed.log'
        $resumed = $inputs | Invoke-MpPool $script:Task -Size 2 -Journal $journal -Resume -ErrorAction SilentlyContinue

        Format-Output $resumed | Should -Be (Format-Output $whole)
        $rerun = @(Get-Content $log | ForEach-Object { [int]$_ })
        @($rerun | Where-Object { $_ -in $succeeded }) | Should -BeNullOrEmpty -Because 'a succeeded input never runs again'
        $missing = $inputs | Where-Object { $_ -notin $rerun -and $_ -notin $succeeded }
        ($rerun + $succeeded | Sort-Object) | Should -Be $inputs -Because "every other input ran once in the resumed run (missing: $missing; $($before.Count) lines before)"
        $after = @(Read-Journal $journal)
        @($after | Where-Object result -EQ 'success' | ForEach-Object index | Sort-Object -Unique) |
            Should -Be @($inputs | Where-Object { $_ % 50 -ne 7 } | ForEach-Object { $_ - 1 })
    }

    It 'refuses a journal written for other input with MpJournalMismatch, naming the first input that differs' {
        $log = Join-Path $TestDrive 'runs-mismatch.log'
        $journal = Join-Path $TestDrive 'mismatch.jsonl'
        $null = 1..5 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        $err = { 1, 2, 99, 4, 5 | Invoke-MpPool $script:Task -Size 1 -Journal $journal -Resume } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MpJournalMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be 99
        "$err" | Should -Match 'input 2 \(counting from 0\)'
        @(Read-Journal $journal) | Should -HaveCount 5 -Because 'the refused run added nothing'
    }

    It 'drops a line cut off at the end, and runs that input again' {
        $log = Join-Path $TestDrive 'runs-cut.log'
        $journal = Join-Path $TestDrive 'cut.jsonl'
        $null = 1..4 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        $text = Get-Content $journal -Raw
        $lastStart = $text.TrimEnd("`n").LastIndexOf("`n") + 1
        [System.IO.File]::WriteAllText($journal, $text.Substring(0, $lastStart + 20))   # the last line, cut
        $lost = ($text.Substring($lastStart) | ConvertFrom-Json).index + 1
        Remove-Item $log
        $got = 1..4 | Invoke-MpPool $script:Task -Size 1 -Journal $journal -Resume
        $got | Where-Object { $_ -is [string] } | Should -Be 'out 1', 'out 2', 'out 3', 'out 4'
        Get-Content $log | Should -Be "$lost"
        @(Read-Journal $journal) | Should -HaveCount 4
    }

    It 'resumes hashtable inputs: their hash does not depend on the order their keys enumerate in' {
        $journal = Join-Path $TestDrive 'tables.jsonl'
        $tables = 1..3 | ForEach-Object { @{ alpha = $_; beta = 'b'; gamma = 'c'; delta = 'd' } }
        $command = "Import-Module '$script:ModulePath'; " +
                   "1..3 | ForEach-Object { @{ alpha = `$_; beta = 'b'; gamma = 'c'; delta = 'd' } } | Invoke-MpPool { `$_.alpha } -Size 1 -Journal '$journal'"
        & $script:Pwsh -NoProfile -NonInteractive -Command $command | Should -Be 1, 2, 3   # another process: another string hash seed
        $tables | Invoke-MpPool { 'ran again' } -Inline -Journal $journal -Resume | Should -Be 1, 2, 3
    }
}
