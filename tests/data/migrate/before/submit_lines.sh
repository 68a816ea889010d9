#!/bin/bash
# Plain command lines, with continuations and a command substitution.
jobsub_submit -G gm2 -M \
    --jobsub-server=https://fifebatch.fnal.gov:8443 \
    --memory=2000 --OS=SL7 \
    -dOUT /pnfs/GM2/scratch/users/alice/out \
    file:///pnfs/GM2/scratch/users/alice/job.sh run.fcl -1

JOB=$(jobsub_submit -G gm2 -q --expected-lifetime=86400 file:///pnfs/GM2/job.sh | tail -1)
jobsub_submit --group=gm2 --blacklist=SiteA -l '+Tag="calib"' "--site SiteB" file:///x.sh
jobsub_rm -G gm2 --jobsub-server=https://fifebatch.fnal.gov:8443 --jobid="$JOB"
jobsub_submit -G gm2 -M --expected-lifetime=3600 file://$PWD/job.sh
jobsub_submit_dag -G gm2 --maxRunning=2 file://flow.dag
