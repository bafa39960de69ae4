BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    # Runs an example in a fresh session, as `./build.ps1 Demo` does, and returns what it printed.
    function Invoke-Example([string] $Name) {
        $path = Join-Path $PSScriptRoot "../examples/$Name"
        # An example that runs Pester gets the Pester this suite runs on, as ./build.ps1 Demo gives it.
        $pester = if (Select-String -Path $path -Pattern 'Invoke-Pester' -Quiet) { "Import-Module '$((Get-Module Pester).Path)'; " }
        $out = & $script:Pwsh -NoProfile -NonInteractive -Command "Import-Module '$script:ModulePath'; $pester& '$path'" 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        $out | ForEach-Object { "$_".Trim() }
    }
}

Describe 'The examples' {
    It '01-process.ps1 runs a child that reports its parent' {
        $out = Invoke-Example '01-process.ps1'
        $out | Should -Contain "parent process: $(($out | Where-Object { $_ -like 'main process id:*' }).Split(' ')[-1])"
        $out[-1] | Should -Match 'ended: Completed, exit code 0$'
    }

    It '02-queue.ps1 prints what the child put' {
        Invoke-Example '02-queue.ps1' | Should -Be '11111'
    }

    It '03-pipe.ps1 passes messages both ways' {
        $out = Invoke-Example '03-pipe.ps1'
        $out | Should -Be 'parent received: 1', 'parent received: 2', 'child received: 3'
    }

    It '04-manager.ps1 prints what five children wrote to a shared dictionary and list' {
        $out = Invoke-Example '04-manager.ps1'
        $out | Should -Be ((1..5 | ForEach-Object { "$_ = process $_" }) + 'list: 1, 2, 3, 4, 5')
    }

    It '05-lock.ps1 has each of ten children print hello world once, whole' {
        $out = Invoke-Example '05-lock.ps1'
        $out | Sort-Object | Should -Be (0..9 | ForEach-Object { "hello world $_" })
    }

    It '06-pool.ps1 runs ten tasks on five workers, a callback for each, and waits for the pool' {
        $out = Invoke-Example '06-pool.ps1'
        $out[0] | Should -Be 'end'
        # Six processes print to one console: a worker's line may land between a callback's text and its
        # line end (Write-Host writes them apart), so the lines are found in the whole text.
        $text = $out -join "`n"
        $ran = @([regex]::Matches($text, 'in process (\d+)') | ForEach-Object { $_.Groups[1].Value })
        $ran | Should -HaveCount 10
        ($ran | Sort-Object -Unique) | Should -HaveCount 5
        @([regex]::Matches($text, '==>exec done: (1\d\d)') | ForEach-Object { [int]$_.Groups[1].Value } | Sort-Object) |
            Should -Be (100..109)
    }

    It '07-robust.ps1 answers each of its five inputs once: a timeout, a retried success and a lost worker' {
        $out = Invoke-Example '07-robust.ps1'
        $out.Count | Should -Be 7 -Because ($out -join "`n")
        $out[0..3] | Should -Be 'Results:', 'ok-1 succeeded on attempt 1', 'flaky succeeded on attempt 3', 'ok-2 succeeded on attempt 1'
        $out[4] | Should -BeLike 'Failures*'
        $out[5] | Should -Match '^hangs: MpTaskTimeout: .*-TaskTimeout of 2 s'
        $out[6] | Should -Match '^kills: MpWorkerLost: .*killed by SIGKILL.*all 3 attempts'
    }

    It '09-resume.ps1 resumes a run: all 20 results in order, and only the 8 that failed ran again' {
        Invoke-Example '09-resume.ps1' | Should -Be @(
            'First run: 12 of 20 results; the journal has 20 lines.'
            'Resumed run: 20 results, in order: result 1 ... result 20'
            'Inputs run twice: 13, 14, 15, 16, 17, 18, 19, 20')
    }

    It '10-remote.ps1 says what it needs when no host is given' {
        $env:MULTIPROC_HOSTS = $null
        Invoke-Example '10-remote.ps1' | Should -Be 'No host given: pass -HostName (or set $env:MULTIPROC_HOSTS) to run this example on other machines.'
    }

    It '08-pester.ps1 runs a real Pester run whose mock applies inside the pool''s tasks, run inline' {
        $out = Invoke-Example '08-pester.ps1' | ForEach-Object { $_ -replace '\e\[[0-9;]*m' }   # Pester's colours, if any
        ($out -join "`n") | Should -Match '\[\+\] hashes each file once, with the hash Get-FileHash gives'
        $out[-1] | Should -Be '2 passed, 0 failed'
    }
}

Describe 'The README' {
    It 'runs its PowerShell code as written, from the repository''s root' {
        $root = (Resolve-Path (Join-Path $PSScriptRoot '..')).Path
        $readme = Get-Content (Join-Path $root 'README.md') -Raw
        $blocks = [regex]::Matches($readme, '(?ms)^```powershell\r?\n(.*?)^```') | ForEach-Object { $_.Groups[1].Value }
        $blocks | Should -Not -BeNullOrEmpty
        $i = 0
        foreach ($block in $blocks) {
            $file = Join-Path $TestDrive "readme-$((++$i)).ps1"
            Set-Content $file $block
            # Each error record is named by its id: the tour's one expected error is the hung task's timeout.
            $run = "Set-Location '$root'; & '$file' 2>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.ErrorRecord]) { 'ERROR: ' + `$_.FullyQualifiedErrorId } else { `"`$_`" } }"
            $out = & $script:Pwsh -NoProfile -NonInteractive -Command $run
            $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
            $errors = @($out | Where-Object { $_ -like 'ERROR: *' })
            $errors | Should -Be @('ERROR: MpTaskTimeout,Multiproc.Commands.InvokeMpPoolCommand') -Because ($out -join "`n")
            @($out | Where-Object { $_ -like 'child * got 42' }) | Should -HaveCount 1
            @($out | Where-Object { $_ -like 'hi from *' }) | Should -HaveCount 1
        }
        Remove-Item (Join-Path ([IO.Path]::GetTempPath()) 'run-*.jsonl') -ErrorAction Ignore
    }
}

Describe 'The about_Multiproc topic' {
    It 'runs its code as written: the examples in one session, the Pester one in Pester' {
        $blocks = [System.Collections.Generic.List[string]]::new()
        $current = [System.Collections.Generic.List[string]]::new()
        foreach ($line in (Get-Content (Join-Path $PSScriptRoot '../docs/en-US/about_Multiproc.md')) + '') {
            if ($line.StartsWith('    ')) { $current.Add($line.Substring(4)); continue }
            if ($current.Count -and -not $line.Trim()) { $current.Add(''); continue }
            if ($current.Count) { $blocks.Add(($current -join "`n").Trim()); $current.Clear() }
        }
        $blocks.Count | Should -BeGreaterThan 5
        $pesterBlocks = @($blocks | Where-Object { $_ -match "(?m)^It '" })
        $pesterBlocks | Should -HaveCount 1
        $script = Join-Path $TestDrive 'about.ps1'
        ($blocks | Where-Object { $_ -notmatch "(?m)^It '" }) -join "`n`n" | Set-Content $script
        $run = "Import-Module '$script:ModulePath'; & '$script' 2>&1 | ForEach-Object { if (`$_ -is [System.Management.Automation.ErrorRecord]) { 'ERROR: ' + `$_ } else { `"`$_`" } }"
        $out = & $script:Pwsh -NoProfile -NonInteractive -Command $run
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        @($out | Where-Object { $_ -like 'ERROR: *' }) | Should -HaveCount 0 -Because ($out -join "`n")
        $out | Should -Contain '42'
        $out | Should -Contain 'got 42'
        @($out | Where-Object { $_ -like 'hello world *' }) | Should -HaveCount 10
        $tests = Join-Path $TestDrive 'About.Tests.ps1'
        "Describe 'about_Multiproc' {`n$($pesterBlocks[0])`n}" | Set-Content $tests
        $pester = "Import-Module '$((Get-Module Pester).Path)'; Import-Module '$script:ModulePath'; `$r = Invoke-Pester -Path '$tests' -PassThru -Output None; `"`$(`$r.PassedCount) `$(`$r.FailedCount)`""
        & $script:Pwsh -NoProfile -NonInteractive -Command $pester | Should -Be '1 0'
        Remove-Item (Join-Path ([IO.Path]::GetTempPath()) 'servers-*.jsonl') -ErrorAction Ignore
    }
}
