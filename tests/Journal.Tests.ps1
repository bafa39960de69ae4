# Invoke-MpPool -Journal and -Resume (SPEC §10): a run killed midway goes on where it stopped.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # The task of every run here: logs each run of an input as a file of its own in the folder $using:log
    # (appends to one file from several processes can overwrite each other), and outputs two objects;
    # every 50th input fails.
    $script:Task = {
        [System.IO.File]::WriteAllText((Join-Path $using:log "$_.$([guid]::NewGuid().ToString('N'))"), '')
        Start-Sleep -Milliseconds 15
        if ($_ % 50 -eq 7) { throw "input $_ fails" }
        "out $_"
        [pscustomobject]@{ N = $_; Square = $_ * $_ }
    }

    # The journal's lines, each parsed; fails the test on a line that is not whole JSON.
    function Read-Journal([string] $Path) {
        foreach ($line in Get-Content $Path) { $line | ConvertFrom-Json -ErrorAction Stop }
    }

    # The inputs whose runs a folder of run logs records, one number per run.
    function Get-Run([string] $Folder) {
        Get-ChildItem $Folder -File -ErrorAction Ignore | ForEach-Object { [int]$_.Name.Split('.')[0] }
    }

    # A folder for a run's logs.
    function New-RunLog([string] $Name) { (New-Item -ItemType Directory (Join-Path $TestDrive $Name)).FullName }

    # Output in a form two runs can be compared by, in order.
    function Format-Output($Output) { $Output | ForEach-Object { $_ | ConvertTo-Json -Compress } }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
}

Describe 'Invoke-MpPool -Journal' {
    It 'writes one line per input: its index, the hash of its input, success or the error id, and its output' {
        $log = New-RunLog 'runs-lines'
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

    It 'refuses, without -Resume, a journal that holds a run, and leaves it as it was' {
        $log = New-RunLog 'runs-new'
        $journal = Join-Path $TestDrive 'new.jsonl'
        $null = 1..3 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        $before = Get-Content $journal -Raw
        { 1..3 | Invoke-MpPool $script:Task -Size 1 -Journal $journal } | Should -Throw -ErrorId 'MpInvalidArgument,*'
        Get-Content $journal -Raw | Should -Be $before
        Get-Run $log | Should -HaveCount 3 -Because 'the refused run ran nothing'
    }

    It 'ends the call with a clear error when a line cannot be written, and emits nothing it did not journal' {
        $err = { 1..3 | Invoke-MpPool { $_ } -Size 1 -Journal /dev/full } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MpInvalidArgument,*'
        "$err" | Should -Match 'could not be written'
        Get-MpPool | Should -BeNullOrEmpty -Because 'the call''s pool went with it'
    }

    It 'refuses a journal another run is writing' {
        $journal = Join-Path $TestDrive 'busy.jsonl'
        $session = Join-Path $TestDrive 'busy.ps1'
        "Import-Module '$script:ModulePath'; `$null = 1..1000 | Invoke-MpPool { Start-Sleep -Milliseconds 100 } -Size 1 -ChunkSize 1 -Journal '$journal'" | Set-Content $session
        $other = Start-Process $script:Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $session -PassThru
        try {
            Wait-Until { (Test-Path $journal) -and @(Get-Content $journal).Count -ge 1 } -TimeoutSeconds 60 -Because 'the other run to write'
            $err = { 1..3 | Invoke-MpPool { $_ } -Inline -Journal $journal -Resume } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'MpInvalidArgument,*'
            "$err" | Should -Match 'another run is writing it'
        }
        finally { Stop-Process -Id $other.Id -Force -ErrorAction Ignore }
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
        $log = New-RunLog 'runs-whole'
        $whole = $inputs | Invoke-MpPool $script:Task -Size 2 -Journal (Join-Path $TestDrive 'whole.jsonl') -ErrorAction SilentlyContinue

        # The same run in a session of its own, killed once a third of its inputs have their line.
        $journal = Join-Path $TestDrive 'killed.jsonl'
        $killedLog = New-RunLog 'runs-killed'
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
        $before = @(Read-Journal $journal)
        $before.Count | Should -BeLessThan 200 -Because 'the kill came midway'
        $succeeded = @($before | Where-Object result -EQ 'success' | ForEach-Object { $_.index + 1 })

        # Resumed here: what succeeded is not run again, and its recorded output comes out in its place.
        $log = New-RunLog 'runs-resumed'
        $resumed = $inputs | Invoke-MpPool $script:Task -Size 2 -Journal $journal -Resume -ErrorAction SilentlyContinue

        Format-Output $resumed | Should -Be (Format-Output $whole)
        $rerun = @(Get-Run $log)
        @($rerun | Where-Object { $_ -in $succeeded }) | Should -BeNullOrEmpty -Because 'a succeeded input never runs again'
        $missing = $inputs | Where-Object { $_ -notin $rerun -and $_ -notin $succeeded }
        ($rerun + $succeeded | Sort-Object) | Should -Be $inputs -Because "every other input ran once in the resumed run (missing: $missing; $($before.Count) lines before)"
        $after = @(Read-Journal $journal)
        @($after | Where-Object result -EQ 'success' | ForEach-Object index | Sort-Object -Unique) |
            Should -Be @($inputs | Where-Object { $_ % 50 -ne 7 } | ForEach-Object { $_ - 1 })
    }

    It 'refuses a journal written for other input with MpJournalMismatch, naming the first input that differs' {
        $log = New-RunLog 'runs-mismatch'
        $journal = Join-Path $TestDrive 'mismatch.jsonl'
        $null = 1..5 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        $err = { 1, 2, 99, 4, 5 | Invoke-MpPool $script:Task -Size 1 -Journal $journal -Resume } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MpJournalMismatch,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be 99
        "$err" | Should -Match 'input 2 \(counting from 0\)'
        @(Read-Journal $journal) | Should -HaveCount 5 -Because 'the refused run added nothing'
    }

    It 'takes back what a refused run added before it met the input that differs' {
        $log = New-RunLog 'runs-takeback'
        $journal = Join-Path $TestDrive 'takeback.jsonl'
        $null = 1..5 | Invoke-MpPool $script:Task -Inline -Journal $journal
        $kept = Get-Content $journal | Where-Object { ($_ | ConvertFrom-Json).index -ne 2 }   # input 3's line, as if a kill had lost it
        $kept | Set-Content $journal
        $before = Get-Content $journal -Raw
        # Input 2 has no line, so it runs and is journaled; input 3 then differs: the run is refused.
        { 1, 2, 33, 44, 5 | Invoke-MpPool $script:Task -Inline -Journal $journal -Resume } | Should -Throw -ErrorId 'MpJournalMismatch,*'
        Get-Content $journal -Raw | Should -Be $before
        # The right input still resumes from it.
        1..5 | Invoke-MpPool $script:Task -Inline -Journal $journal -Resume | Where-Object { $_ -is [string] } |
            Should -Be 'out 1', 'out 2', 'out 3', 'out 4', 'out 5'
    }

    It 'drops a line cut off at the end, and runs that input again' {
        $log = New-RunLog 'runs-cut'
        $journal = Join-Path $TestDrive 'cut.jsonl'
        $null = 1..4 | Invoke-MpPool $script:Task -Size 1 -Journal $journal
        $text = Get-Content $journal -Raw
        $lastStart = $text.TrimEnd("`n").LastIndexOf("`n") + 1
        [System.IO.File]::WriteAllText($journal, $text.Substring(0, $lastStart + 20))   # the last line, cut
        $lost = ($text.Substring($lastStart) | ConvertFrom-Json).index + 1
        $log = New-RunLog 'runs-cut-again'
        $got = 1..4 | Invoke-MpPool $script:Task -Size 1 -Journal $journal -Resume
        $got | Where-Object { $_ -is [string] } | Should -Be 'out 1', 'out 2', 'out 3', 'out 4'
        Get-Run $log | Should -Be $lost
        @(Read-Journal $journal) | Should -HaveCount 4
    }

    It 'resumes hashtable inputs, nested too: their hash does not depend on the order their keys enumerate in' {
        $journal = Join-Path $TestDrive 'tables.jsonl'
        $tables = 1..3 | ForEach-Object { @{ alpha = $_; beta = 'b'; gamma = 'c'; delta = @{ x = 1; y = 2; z = 3 } } }
        $command = "Import-Module '$script:ModulePath'; " +
                   "1..3 | ForEach-Object { @{ alpha = `$_; beta = 'b'; gamma = 'c'; delta = @{ x = 1; y = 2; z = 3 } } } | Invoke-MpPool { `$_.alpha } -Size 1 -Journal '$journal'"
        & $script:Pwsh -NoProfile -NonInteractive -Command $command | Should -Be 1, 2, 3   # another process: another string hash seed
        $tables | Invoke-MpPool { 'ran again' } -Inline -Journal $journal -Resume | Should -Be 1, 2, 3
    }
}
