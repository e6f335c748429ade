#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void*a,const void*b){double x=*(double*)a,y=*(double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){ int p; MPI_Init_thread(0,0,MPI_THREAD_SERIALIZED,&p); int r; MPI_Comm_rank(MPI_COMM_WORLD,&r);
 int reps=200; int sizes[2]={15210,1800000};
 for(int s=0;s<2;s++){ int n=sizes[s]; float*v=malloc(n*sizeof(float)); for(int i=0;i<n;i++)v[i]=i%13; double*t=malloc(reps*sizeof(double));
  for(int k=-20;k<reps;k++){ MPI_Barrier(MPI_COMM_WORLD); double a=MPI_Wtime(); MPI_Allreduce(MPI_IN_PLACE,v,n,MPI_FLOAT,MPI_SUM,MPI_COMM_WORLD); double b=MPI_Wtime(); if(k>=0)t[k]=(b-a)*1e3; for(int i=0;i<n;i++)v[i]=1;}
  qsort(t,reps,sizeof(double),cmp); if(!r) printf("C allreduce floats=%d median_ms=%.3f p10_ms=%.3f p90_ms=%.3f\n",n,t[reps/2],t[reps/10],t[reps*9/10]); free(v); free(t);}
 MPI_Finalize(); }
