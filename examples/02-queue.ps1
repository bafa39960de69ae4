# Python's queue example: a child puts a value in a queue, the parent gets it and prints it.
#
#   from multiprocessing import Process, Queue
#   def f(q):
#       q.put([42, None, 'hello'])
#   if __name__ == '__main__':
#       q = Queue(); p = Process(target=f, args=(q,)); p.start(); print(q.get()); p.join()

$q = New-MpQueue
$p = Start-MpProcess { param($q) $q.Put(11111) } -ArgumentList $q
Write-Host $q.Get()    # 11111
Wait-MpProcess $p
