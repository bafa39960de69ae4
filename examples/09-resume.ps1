# A long run that can go on where it stopped (SPEC §10). The first run loses its "network" after input
# 12; -Resume then runs only what did not succeed, and emits the recorded results of the rest in place,
# so its output is that of a run that never failed. A session killed outright resumes the same way.

$journal = Join-Path ([System.IO.Path]::GetTempPath()) "multiproc-resume-$PID.jsonl"
$runs = New-MpDictionary   # counts each input's runs, across workers and runs
$networkBack = $false

$first = 1..20 | Invoke-MpPool {
    $null = ($using:runs).Increment($_)
    if ($_ -gt 12 -and -not $using:networkBack) { throw "input $($_): the network is down" }
    "result $_"
} -Size 2 -Journal $journal -ErrorAction SilentlyContinue
"First run: $(@($first).Count) of 20 results; the journal has $(@(Get-Content $journal).Count) lines."

$networkBack = $true
$resumed = 1..20 | Invoke-MpPool {
    $null = ($using:runs).Increment($_)
    if ($_ -gt 12 -and -not $using:networkBack) { throw "input $($_): the network is down" }
    "result $_"
} -Size 2 -Journal $journal -Resume
"Resumed run: $(@($resumed).Count) results, in order: $($resumed[0]) ... $($resumed[-1])"
"Inputs run twice: $((1..20 | Where-Object { $runs[$_] -gt 1 }) -join ', ')"
Remove-Item $journal
