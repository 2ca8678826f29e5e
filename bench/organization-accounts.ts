/** Mixed sizes: most accounts hold a few SageMaker resources, some many, a few very many. */
export function accountSize(index: number): 'small' | 'medium' | 'large' {
  if (index % 20 === 0) return 'large';
  if (index % 4 === 0) return 'medium';
  return 'small';
}
