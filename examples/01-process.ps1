# Python's first multiprocessing example: a child reports its parent's id and its own, then sleeps;
# the parent waits for it.
#
#   from multiprocessing import Process
#   import os, time
#   def info(title):
#       print(title); print('parent process:', os.getppid()); print('process id:', os.getpid())
#   if __name__ == '__main__':
#       p = Process(target=info, args=('function f',)); p.start(); p.join()

function Show-Info([string] $Title) {
    Write-Host $Title
    Write-Host "parent process: $((Get-MpProcess -Current).ParentId)"
    Write-Host "process id: $PID"
}

Write-Host "main process id: $PID"
$p = Start-MpProcess {
    param($name)
    Show-Info "function f, hello $name"
    Start-Sleep -Seconds 2
} -ArgumentList 'bob' -Function Show-Info
Wait-MpProcess $p
Write-Host "child $($p.Name) ended: $($p.State), exit code $($p.ExitCode)"
