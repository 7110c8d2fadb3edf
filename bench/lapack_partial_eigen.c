// Partial vs full symmetric eigendecomposition on this machine's LAPACK (docs/BENCHMARKS.md, compress):
// syevd against sytrd + stedc + ormtr applied to the top k columns only (what
// SymmetricEigendecomposition.leading does), on the Gram matrix of a 576×1536 matrix whose rows decay as
// exp(−row/decay), with the eigenvalue and eigenvector agreement of the two paths.
//   gcc -O2 bench/lapack_partial_eigen.c -o /tmp/lapack_partial_eigen -llapacke -lopenblas -lm
//   OPENBLAS_NUM_THREADS=1 /tmp/lapack_partial_eigen 576 288 20 100   # n, k, repetitions, decay
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <lapacke.h>
#include <cblas.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int n=atoi(argv[1]), k=atoi(argv[2]), reps=atoi(argv[3]); double decay=atof(argv[4]);
  int m=1536;
  double *x=malloc(sizeof(double)*n*m), *a=malloc(sizeof(double)*n*n), *b=malloc(sizeof(double)*n*n), *w=malloc(sizeof(double)*n);
  srand(1); for(int i=0;i<n*m;i++){ int r=i/m; x[i]=((rand()/(double)RAND_MAX)-0.5)*exp(-r/decay);} 
  cblas_dsyrk(CblasRowMajor,CblasLower,CblasNoTrans,n,m,1.0,x,m,0.0,a,n);
  for(int i=0;i<n;i++)for(int j=i+1;j<n;j++)a[i*n+j]=a[j*n+i];
  double t0=now();
  for(int r=0;r<reps;r++){ memcpy(b,a,sizeof(double)*n*n); LAPACKE_dsyevd(LAPACK_COL_MAJOR,'V','L',n,b,n,w);} 
  double t1=now();
  double *d=malloc(8*n),*e=malloc(8*n),*tau=malloc(8*n),*z=malloc(8*n*n);
  double tt=0,tc=0,to=0;
  for(int r=0;r<reps;r++){ memcpy(b,a,sizeof(double)*n*n);
    double s0=now();
    LAPACKE_dsytrd(LAPACK_COL_MAJOR,'L',n,b,n,d,e,tau); double s1=now();
    LAPACKE_dstedc(LAPACK_COL_MAJOR,'I',n,d,e,z,n); double s2=now();
    LAPACKE_dormtr(LAPACK_COL_MAJOR,'L','L','N',n,k,b,n,tau,z+(size_t)(n-k)*n,n); double s3=now();
    tt+=s1-s0; tc+=s2-s1; to+=s3-s2;}
  printf("n=%d k=%d decay=%g: syevd %.2f ms | sytrd %.2f stedc %.2f ormtr(k) %.2f = %.2f ms\n",n,k,decay,(t1-t0)/reps*1e3,tt/reps*1e3,tc/reps*1e3,to/reps*1e3,(tt+tc+to)/reps*1e3);
  // compare with syevd vectors (top k) up to sign, and eigenvalues
  memcpy(b,a,sizeof(double)*n*n); LAPACKE_dsyevd(LAPACK_COL_MAJOR,'V','L',n,b,n,w);
  double md=0, mv=0; for(int i=0;i<n;i++) md=fmax(md,fabs(d[i]-w[i])/w[n-1]);
  for(int j=n-k;j<n;j++){ double dot=0; for(int i=0;i<n;i++) dot+=b[(size_t)j*n+i]*z[(size_t)j*n+i]; mv=fmax(mv,1-fabs(dot)); }
  printf("  max|dλ|/λ1 %.2e  max(1-|<v,v'>|) %.2e\n", md, mv);
}
