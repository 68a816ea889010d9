#!/bin/bash
# An invented submitter in the shape of Muon g-2's production submitter: its own options
# parsed as key/value words, a VOMS proxy for xroot input, option fragments collected in
# variables, one command string echoed into a log and run unquoted under pipefail.
# Stand-ins for the outside world (klist, samweb, ifdh) come from the test's PATH.

if ! klist -s; then
    echo "kerberos ticket not valid; please run 'kinit'!"
    exit 1
fi

set -o pipefail
list=$@
opts=$(echo "$list" | sed 's/--//g')

NJOBS=-1
MAX_NJOBS=-1
ROLE="Analysis"
SCHEMAS="xroot"
SITE="None"
BLACKLIST="None"
SITE_OPT=""
LIFETIME=8h
LIFETIME_OPT=""
TIMEOUT_OPT=""
MAXCONCURRENT_OPT=""
MEMORY=2000
DISK=33
LINES=""
LINES_OPT1=""
LINES_OPT2=""
OS_OPT=""
SL6=0
SL7=0
FCL_OPT=""
INPUT_OPT=""
TARFILE_OPT=""
SAMDATASET=""
SAMDATASET_OPT=""
PROJECTNAME_OPT=""
SUBGROUP_OPT=""
DATA_TYPE="None"
OFFSITE_ONLY=0
USELOCAL=0
FCLNAMES=()
LOG=${SUBMIT_LOG:-submission.log}
SUBMITTED=0

args=($opts)
for idx in ${!args[@]}; do
   key="${args[idx]}"
   value="${args[((idx+1))]}"
   [[ $key == "njobs" ]] && NJOBS="$value"
   [[ $key == "maxconcurrent" ]] && MAX_NJOBS="$value"
   [[ $key == "lifetime" ]] && LIFETIME=$value
   [[ $key == "timeout" ]] && TIMEOUT=$value
   [[ $key == "memory" ]] && MEMORY=$value
   [[ $key == "disk" ]] && DISK=$value
   [[ $key == "site" ]] && SITE="$value"
   [[ $key == "blacklist" ]] && BLACKLIST="$value"
   [[ $key == "lines" ]] && LINES="$value"
   [[ $key == "sam-dataset" ]] && SAMDATASET="$value"
   [[ $key == "input-filelist" ]] && INPUT_OPT="-f dropbox://$value"
   [[ $key == "subgroup" ]] && SUBGROUP_OPT="--subgroup $value"
   [[ $key == "useProRole" ]] && ROLE="Production"
   [[ $key == "offsite-only" ]] && OFFSITE_ONLY=1
   [[ $key == "localArea" ]] && USELOCAL=1
   [[ $key == "sl6" ]] && SL6=1
   [[ $key == "sl7" ]] && SL7=1
   [[ $key == "noxroot" ]] && SCHEMAS=""
   if [[ $key == "daq" || $key == "mc" ]]; then
      DATA_TYPE="$key"
   fi
   if [[ $key == "fhiclFile" ]]; then
      set -f
      IFS=','
      FCLNAMES=($value)
      unset IFS
      set +f
   fi
done

[[ $USER == "gm2pro" ]] && ROLE="Production"

if [[ $NJOBS -lt 1 ]]; then
   echo "Number of jobs missing"
   exit 1
fi

# a VOMS proxy for reading the input over xroot
if [[ ! -z $SCHEMAS ]]; then
   if [[ $ROLE == "Analysis" ]]; then
      voms-proxy-destroy > /dev/null 2>&1
      if kx509 | tee -a $LOG; then
         if voms-proxy-init -rfc -noregen -voms=fermilab:/fermilab/gm2/Role=$ROLE 2>&1 | tee -a $LOG; then
            if [ $(voms-proxy-info -all | grep -c "VO fermilab") -eq 0 ]; then
               echo "CREDENTIAL: warning" | tee -a $LOG
            else
               echo "CREDENTIAL: ok" | tee -a $LOG
            fi
         else
            echo "CREDENTIAL: no proxy, streaming off" | tee -a $LOG
            SCHEMAS=""
         fi
      else
         echo "CREDENTIAL: no certificate"
         exit 1
      fi
   else
      export X509_USER_PROXY=/opt/gm2pro/gm2pro.Production.proxy
   fi
fi

for FCL in "${FCLNAMES[@]}"; do
    FCL_OPT="-f dropbox://$PWD/$FCL ${FCL_OPT}"
done

if [[ -n $SAMDATASET ]]; then
   SAMDATASET_OPT="--dataset_definition=$SAMDATASET -e SAMDATASET=$SAMDATASET -e SAM_FILES=$(samweb count-definition-files $SAMDATASET)"
   PROJECTNAME_OPT="--project_name=${USER}_${STAMP:-$(date +%Y%m%d%H)}"
fi

if [ $USELOCAL -eq 1 ]; then
   TARFILE_OPT="--tar_file_name dropbox://$PWD/local.tgz"
fi

USAGE_MODEL="DEDICATED,OPPORTUNISTIC,OFFSITE"
[[ $OFFSITE_ONLY == 1 ]] && USAGE_MODEL="OFFSITE"

if [[ ! -z $SITE ]] && [[ $SITE != "None" ]]; then
   SITE_OPT="--site=$SITE"
fi
if [[ ! -z $BLACKLIST ]] && [[ $BLACKLIST != "None" ]]; then
   SITE_OPT="--append_condor_requirements='(TARGET.GLIDEIN_Site isnt \"$BLACKLIST\")' ${SITE_OPT}"
fi

if [[ ! -z $LINES ]]; then
   LINES_OPT1=$LINES
fi
if [ $SL6 -eq 1 ]; then
   LINES_OPT2=+SingularityImage=\"/cvmfs/singularity.opensciencegrid.org/fermilab/fnal-wn-sl6:latest\"
   OS_OPT="--append_condor_requirements='(TARGET.HAS_SINGULARITY=?=true||TARGET.IFOS_Installed=?=\"SL6\")'"
fi
if [ $SL7 -eq 1 ]; then
   LINES_OPT2=+SingularityImage=\"/cvmfs/singularity.opensciencegrid.org/fermilab/fnal-wn-sl7:latest\"
   OS_OPT="-append_condor_requirements='(TARGET.HAS_SINGULARITY=?=true||TARGET.IFOS_Installed=?=\"SL7\")'"
fi

if [[ $MEMORY -le 100 ]]; then
   MEMORYUSAGE="${MEMORY}GB"
else
   MEMORYUSAGE="${MEMORY}MB"
fi

if [[ ! -z $LIFETIME ]] && [[ $LIFETIME != "8h" ]]; then
   LIFETIME_OPT="--expected-lifetime $LIFETIME"
fi
if [[ ! -z $TIMEOUT ]]; then
   TIMEOUT_OPT="--timeout $TIMEOUT"
fi
if [[ ${MAX_NJOBS} != "-1" ]]; then
   MAXCONCURRENT_OPT="--maxConcurrent ${MAX_NJOBS}"
fi

CMD="jobsub_submit    \
       ${FCL_OPT}     \
       ${INPUT_OPT}   \
       ${TARFILE_OPT} \
       -N ${NJOBS} -G gm2 -e NJOBS=$NJOBS -e ROLE=$ROLE -e SCHEMAS=$SCHEMAS \
       -e DATA_TYPE=${DATA_TYPE} \
       --memory=${MEMORYUSAGE} \
       --disk=${DISK}GB \
       ${LIFETIME_OPT} \
       ${TIMEOUT_OPT} \
       ${MAXCONCURRENT_OPT} \
       --resource-provides=usage_model=${USAGE_MODEL} \
       ${SITE_OPT} \
       ${SAMDATASET_OPT} \
       ${PROJECTNAME_OPT} \
       --lines='${LINES_OPT1}' \
       --lines='${LINES_OPT2}' \
       ${OS_OPT} \
       ${SUBGROUP_OPT} \
       --role=${ROLE} file://$PWD/job.sh ${opts} $NJOBS -1"

echo $CMD | tee -a $LOG
$CMD 2>&1 | tee -a $LOG && SUBMITTED=1

if [ $SUBMITTED -eq 1 ]; then
   echo "Submission done." | tee -a $LOG
else
   echo "!!!Job submission failed!" | tee -a $LOG
   exit 1
fi
