# CPU time per thread (grouped by name, digits folded) of process <pid> over <seconds>: where a server spends its CPU.
# Usage: python3 bench/thread-cpu.py <pid> <seconds>   (bench/run.sh runs it during wrk when BENCH_THREADS=1)
import os,sys,time,collections,re
pid=sys.argv[1]; secs=float(sys.argv[2])
def snap():
    d={}
    for t in os.listdir(f'/proc/{pid}/task'):
        try:
            comm=open(f'/proc/{pid}/task/{t}/comm').read().strip()
            st=open(f'/proc/{pid}/task/{t}/stat').read()
            f=st.rsplit(')',1)[1].split()
            d[t]=(comm,int(f[11])+int(f[12]))
        except Exception: pass
    return d
a=snap(); time.sleep(secs); b=snap()
c=collections.Counter()
for t,(comm,v) in b.items():
    c[re.sub(r'\d+','N',comm)]+=v-a.get(t,(comm,0))[1]
tot=sum(c.values())
for k,v in c.most_common(15): print(f"{v*10:6d} ms {v*100/max(tot,1):5.1f}% {k}")
